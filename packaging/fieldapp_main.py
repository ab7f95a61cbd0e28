"""Entry point of the frozen app (PyInstaller, packaging/fieldapp.spec): the same
``fieldapp`` command as the Python package; with no command it opens the desktop app."""

import sys

from fieldapp.cli.root import main  # the composition root: every command group and the app

if __name__ == "__main__":
    sys.exit(main())
