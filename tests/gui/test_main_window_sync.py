"""Sync from the window against a REAL server process on 127.0.0.1: a monitor joined
through the CLI records an incident in the form, presses Sync now, sees it sent; with the
server gone, a calm banner says the records are safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.gui.test_main_window import FakeController
from tests.sync.conftest import start_server
from tests.sync.helpers import Person


@pytest.fixture
def joined_profile(tmp_path: Path):
    server = start_server(tmp_path / "server-data")
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        coord.ok("project", "create", "--server", server.url, "--name", "Gao 2024",
                 f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519")
        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        monitor.join(invite, coord)  # approved after comparing fingerprints
        yield monitor.path, server
    finally:
        server.stop()


def test_sync_now_sends_then_a_calm_banner_when_the_server_is_gone(
        qtbot, ops, joined_profile, monkeypatch):
    from fieldapp.profile import Profile
    from ui.main_window import MainWindow

    monkeypatch.setenv("FIELDAPP_SYNC_ATTEMPTS", "1")
    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.01")
    path, server = joined_profile
    vault = Profile(path).unlock(PASSPHRASE, check_same_thread=False)
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    try:
        editor = window.new_record("incident")
        editor.title_edit.setText("Enlèvement sur la route de Gao")
        editor.date.edit.setText("2024-06-01")
        editor.event_type.set_value("abduction")
        with qtbot.waitSignal(editor.saved, timeout=10_000):
            editor.save()
        window.show_page("outbox")
        panel = window.outbox
        assert "not joined" not in panel.joined_label.text()
        assert panel.model.index(0, 2).data() == "Waiting to be sent"
        assert window.sync_status.text() == "Last sync: never"

        with qtbot.waitSignal(panel.sync_finished, timeout=60_000) as blocker:
            assert window.sync_action.isEnabled()
            window.sync_action.trigger()
        assert blocker.args == [True], panel.phase.text()
        assert "1 sent" in panel.phase.text() or "sent" in panel.phase.text()
        assert panel.model.index(0, 2).data() == "Sent"
        assert window.sync_status.text().startswith("Last sync: ")
        assert window.sync_status.text() != "Last sync: never"
        assert not panel.banner.isVisible()

        server.stop()
        with qtbot.waitSignal(panel.sync_finished, timeout=60_000) as blocker:
            panel.sync_now()
        assert blocker.args == [False]
        assert panel.banner.isVisible()
        assert "safe here" in panel.banner_text.text()
    finally:
        window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()
