from .root import main

raise SystemExit(main())
