"""A long session driven through the windows, as a monitor would, inside the real entry
point (`ui.app.run`): first run, a record written and edited, its history, a language
switch, lock and unlock, panic with the data kept, unlock, then the window closed.

Run in a process of its own (the exit is what is tested)::

    QT_QPA_PLATFORM=offscreen python -m tests.gui.long_session PROFILE_DIR

Exits with `ui.app.run`'s code; 3 when the session itself got stuck (a step never came).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

PASSPHRASE = "correct horse battery staple"
STEP_LIMIT_MS = 60_000


def _top(kind: type) -> object | None:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


def _seen() -> str:
    """The windows on screen and their visible messages (when a step never comes)."""
    from PySide6.QtWidgets import QApplication, QLabel

    parts = []
    for top in QApplication.topLevelWidgets():
        if top.isVisible():
            texts = [label.text() for label in top.findChildren(QLabel)
                     if label.isVisible() and label.text()
                     and ("color" in label.styleSheet() or top.inherits("QMessageBox"))]
            parts.append(f"{type(top).__name__} {texts}")
    return "; ".join(parts)


def session() -> Iterator[Callable[[], bool]]:
    """The steps; each yields a condition to wait for before the next one runs."""
    import shiboken6

    from ui.first_run import FirstRunWindow
    from ui.history import HistoryDialog
    from ui.main_window import MainWindow
    from ui.panic import PanicDialog
    from ui.settings import SettingsDialog
    from ui.unlock import UnlockWindow

    yield lambda: _top(FirstRunWindow) is not None
    first = _top(FirstRunWindow)
    first.show_create()
    first.pseudonym.setText("Sahel-7")
    first.passphrase.first.setText(PASSPHRASE)
    first.passphrase.second.setText(PASSPHRASE)
    first.submit_create()
    yield lambda: first.stack.currentWidget() is first.recovery_page
    first.recovery_check.setText(first.recovery_key.text().rsplit("-", 1)[-1])
    first.confirm_recovery()
    yield lambda: _top(MainWindow) is not None
    main = _top(MainWindow)

    editor = main.new_record("incident")
    editor.title_edit.setText("Pillage du marché de Boni")
    editor.date.edit.setText("2024-03-05")
    editor.event_type.set_value("looting")
    editor.description.setPlainText("Des hommes armés ont pillé le marché.")
    editor.save()
    yield lambda: main.incidents.model.total == 1
    record_id = main.incidents.model.summary(0).id
    again = main.edit_record(record_id)
    again.title_edit.setText("Pillage du marché de Boni (corrigé)")
    again.save()
    yield lambda: not shiboken6.isValid(again) or again.isHidden()  # saved and closed
    history = main.show_history(record_id)
    yield lambda: len(history.versions) == 2 and history.isVisible()
    history.close()
    yield lambda: not shiboken6.isValid(history) or history.isHidden()

    main.controller.open_settings()
    yield lambda: _top(SettingsDialog) is not None
    settings = _top(SettingsDialog)
    settings.language.setCurrentIndex(settings.language.findData("fr"))
    settings.language.setCurrentIndex(settings.language.findData("en"))
    settings.close()
    yield lambda: _top(SettingsDialog) is None and _top(HistoryDialog) is None

    main.lock_action.trigger()
    yield lambda: _top(UnlockWindow) is not None
    unlock = _top(UnlockWindow)
    unlock.passphrase.setText(PASSPHRASE)
    unlock.submit()
    yield lambda: _top(MainWindow) is not None
    main = _top(MainWindow)
    main.show_page("outbox")
    main.new_record("testimony")  # left open, with its draft, when the app closes

    main.panic_action.trigger()
    yield lambda: _top(PanicDialog) is not None
    _top(PanicDialog).keep.click()
    yield lambda: _top(PanicDialog) is None and _top(UnlockWindow) is not None
    unlock = _top(UnlockWindow)
    unlock.passphrase.setText(PASSPHRASE)
    unlock.submit()
    yield lambda: _top(MainWindow) is not None
    main = _top(MainWindow)
    main.new_record("incident").title_edit.setText("Brouillon laissé ouvert")
    main.show_page("audit")
    yield lambda: not main.ops.busy
    main.close()  # as the user closing the window: the app quits


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import run

    app = QApplication([sys.argv[0]])
    steps = session()
    state = {"waiting": None, "elapsed": 0, "step": 0}

    def tick() -> None:
        condition = state["waiting"]
        if condition is not None:
            state["elapsed"] += 50
            if state["elapsed"] > STEP_LIMIT_MS:
                sys.stderr.write(f"session stuck at step {state['step']}: {_seen()}\n")
                os._exit(3)
            if not condition():
                return
        state["elapsed"] = 0
        state["step"] += 1
        try:
            state["waiting"] = next(steps)
        except StopIteration:
            timer.stop()

    timer = QTimer(app)
    timer.timeout.connect(tick)
    timer.start(50)
    code = run(Path(argv[0]))
    timer.stop()
    left = leftovers(app, timer)
    if left:  # would be destroyed during the interpreter's final clean-up
        sys.stderr.write(f"Qt objects still alive after the app ended: {left}\n")
    return code


def leftovers(*expected: object) -> list[str]:
    """Our Qt objects (widgets, helpers) still alive once `ui.app.run` has returned."""
    import gc

    import shiboken6
    from PySide6.QtCore import QObject

    gc.collect()
    return sorted({type(o).__name__ for o in gc.get_objects()
                   if isinstance(o, QObject) and shiboken6.isValid(o)
                   and not any(o is e for e in expected)})


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
