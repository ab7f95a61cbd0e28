"""Desktop app entry point (a first window; the full app grows here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fieldapp import APP_ID, APP_NAME
from fieldapp.i18n import _


def run(profile_dir: Path | None = None, argv: list[str] | None = None) -> int:
    os.umask(0o077)
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    window = QMainWindow()
    window.setWindowTitle("fieldapp")
    window.setCentralWidget(QLabel(_("fieldapp is starting.")))
    window.show()
    if os.environ.get("FIELDAPP_EXIT_AFTER_SHOW"):
        return 0
    return app.exec()
