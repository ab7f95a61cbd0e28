"""Entry point of the frozen app (PyInstaller, packaging/fieldapp.spec): the same
``fieldapp`` command as the Python package; with no command it opens the desktop app."""

import sys

from fieldapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
