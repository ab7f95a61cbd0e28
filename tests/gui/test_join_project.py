"""Joining against a REAL server process: from the first-run window, the joiner's screen
then shows its own fingerprint and that it waits for approval; from Settings of a profile
that exists, the main window's pages follow the role the invite gave."""

from __future__ import annotations

from pathlib import Path

from shiboken6 import isValid

from sync import enroll
from tests.conftest import PASSPHRASE
from tests.gui.test_first_run import _fill_create
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, new_vault
from ui import messages_box
from ui.first_run import FirstRunWindow


def _project(tmp_path: Path, role: str):
    server = start_server(tmp_path / "server-data")
    coord = new_vault(tmp_path, "coord", "Coord-1")
    enroll.create_project(coord, server.url, "Gao 2024", server.bootstrap_token,
                          suite="X25519", settings=fast_settings())
    invite = tmp_path / f"{role}.invite"
    enroll.create_invite(coord, role, invite, settings=fast_settings())
    coord.close()
    return server, invite


def test_first_run_join_shows_own_fingerprint_and_waiting(qtbot, shell_factory,
                                                          tmp_path: Path) -> None:
    from fieldapp.membership import approval
    from ui.project.bridge import project

    server, invite = _project(tmp_path, "monitor")
    try:
        shell = shell_factory()
        window = shell.start()
        assert isinstance(window, FirstRunWindow)
        window.show_join()
        window.load_invite_file(invite)
        summary = window.fingerprints.text()
        assert "Gao 2024" in summary and "monitor" in summary and "Coord-1" in summary
        assert not window.invite_text.isVisible()  # the invite in words, not its JSON
        window.fingerprints_match.setChecked(True)
        window.join_next.click()
        _fill_create(qtbot, window)
        window.submit_create()
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.recovery_page,
                        timeout=20_000)
        qtbot.keyClicks(window.recovery_check, window.recovery_key.text().rsplit("-", 1)[1])
        window.confirm_recovery()
        qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible()
                        and messages_box.current_box() is not None, timeout=60_000)
        box = messages_box.current_box()
        vault = shell.controller.vault
        assert approval(vault.conn) == "pending"
        assert "waits for a coordinator's approval" in box.text()
        assert project(vault).fingerprint in box.text()
        qtbot.waitUntil(lambda: not isValid(window), timeout=10_000)
        assert isValid(box) and box.isVisible()
        box.done(0)
    finally:
        server.stop()


def test_join_from_settings_pages_follow_the_role(qtbot, ops, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from fieldapp.profile import Profile
    from ui.controller import AppController
    from ui.main_window import MainWindow
    from ui.settings import SettingsDialog

    server, invite = _project(tmp_path, "coordinator")
    new_vault(tmp_path, "second", "Coord-2").close()
    vault = Profile(tmp_path / "second").unlock(PASSPHRASE, check_same_thread=False)
    controller = AppController(ops, vault.profile)
    controller.vault = vault
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops, controller=controller)
    qtbot.addWidget(window)
    window.show()
    try:
        assert "project" not in [s.key for s in window.page_specs]
        settings = SettingsDialog(controller, window)
        qtbot.addWidget(settings)
        settings.show()
        join = settings.project.open_join()
        join.invite_text.setPlainText(invite.read_text())
        qtbot.mouseClick(join.invite_check, Qt.MouseButton.LeftButton)
        assert "coordinator" in join.summary.text()
        join.match.setChecked(True)
        with qtbot.waitSignal(join.joined, timeout=30_000):
            qtbot.mouseClick(join.join_button, Qt.MouseButton.LeftButton)
        assert "project" in [s.key for s in window.page_specs]
        labels = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
        assert "Project" in labels
    finally:
        window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
        vault.close()
        server.stop()
