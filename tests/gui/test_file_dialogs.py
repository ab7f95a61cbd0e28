"""File dialogs leave no paths behind (issue: trust, point 9): Qt's dialog writes visited
folders into ~/.config/QtProject.conf; the app's dialogs wipe them. Run in a process of
its own with a private config folder, so nothing else's settings are touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r'''
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from ui import file_dialogs

app = QApplication([])
target = Path(sys.argv[1])

def accept_soon():
    tries = [0]

    def go():
        # The path typed into the name field, as a person does: selectFile() goes through
        # the folder's model, which may not have read the folder yet (it then selects
        # nothing and the dialog stays open). Again until the dialog is gone.
        for w in app.topLevelWidgets():
            if isinstance(w, QFileDialog) and w.isVisible():
                w.findChild(QLineEdit, "fileNameEdit").setText(str(target))
                w.accept()
        tries[0] += 1
        if tries[0] < 500:  # bounded: about 10 s
            QTimer.singleShot(20, go)
        elif app.activeModalWidget() is not None:
            app.activeModalWidget().reject()
    QTimer.singleShot(20, go)

mode = sys.argv[2]
accept_soon()
if mode == "plain":   # what Qt does by itself
    name, _f = QFileDialog.getOpenFileName(None, "t", str(target.parent), "",
                                           options=QFileDialog.Option.DontUseNativeDialog)
elif mode == "open":
    name = file_dialogs.open_file(None, "t", str(target.parent))
elif mode == "many":
    name = (file_dialogs.open_files(None, "t", str(target.parent)) or [""])[0]
else:
    name = file_dialogs.save_file(None, "t", str(target))
print(name)
'''


def _run(tmp_path: Path, mode: str, target: Path) -> str:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(target), mode], env=env,
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _remembered(tmp_path: Path) -> str:
    conf = tmp_path / "config" / "QtProject.conf"
    return conf.read_text("utf-8", "replace") if conf.exists() else ""


def test_the_apps_file_dialogs_leave_no_paths(tmp_path: Path) -> None:
    secret = tmp_path / "Photos-Tombouctou-2024"
    secret.mkdir()
    photo = secret / "marche.jpg"
    photo.write_bytes(b"x")
    # Qt alone remembers the folder: the check below can fail
    assert _run(tmp_path, "plain", photo) == str(photo)
    assert "Photos-Tombouctou-2024" in _remembered(tmp_path)
    (tmp_path / "config" / "QtProject.conf").unlink()
    for mode, target in (("open", photo), ("many", photo),
                         ("save", secret / "copie.jpg")):
        assert _run(tmp_path, mode, target) == str(target), mode
        assert "Photos-Tombouctou-2024" not in _remembered(tmp_path), mode
