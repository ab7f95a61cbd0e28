"""Outbox: "Sync now", then Cancel while the link to a REAL server process on 127.0.0.1 is
stalled. The panel says it is stopping, returns to idle in a "cancelled" state (no alarm
banner, not counted as a failure), nothing leaves the outbox, and the next sync sends
everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSPHRASE
from tests.gui.stallproxy import StallProxy
from tests.gui.test_main_window import FakeController, incident
from tests.sync.conftest import start_server
from tests.sync.helpers import Person


@pytest.fixture
def joined_through_proxy(tmp_path: Path):
    """A monitor joined to a project whose server is reached through a StallProxy."""
    server = start_server(tmp_path / "server-data")
    proxy = StallProxy(server.port)
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        coord.ok("project", "create", "--server", proxy.url, "--name", "Tombouctou 2024",
                 f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519")
        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        monitor.join(invite, coord)  # approved after comparing fingerprints
        yield monitor.path, proxy
    finally:
        proxy.close()
        server.stop()


def states(panel) -> dict[str, str]:
    model = panel.model
    return {model.summary(row).id: model.index(row, 2).data()
            for row in range(model.rowCount())}


def test_cancel_a_stalled_sync_returns_to_idle_and_loses_nothing(
        qtbot, ops, joined_through_proxy, monkeypatch):
    from fieldapp.profile import Profile
    from ui.main_window import MainWindow

    monkeypatch.setenv("FIELDAPP_SYNC_ATTEMPTS", "1")
    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.01")
    path, proxy = joined_through_proxy
    vault = Profile(path).unlock(PASSPHRASE, check_same_thread=False)
    ids = {vault.records.add("incident", incident(n)) for n in range(3)}
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    try:
        window.show_page("outbox")
        panel = window.outbox
        assert set(states(panel)) == ids
        assert panel.last_result is None

        proxy.stall()
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
        assert panel.syncing
        assert panel.cancel_button.isVisible() and not panel.sync_button.isEnabled()
        qtbot.waitUntil(proxy.held.is_set, timeout=20_000)   # a request hangs on the link

        with qtbot.waitSignal(panel.sync_finished, timeout=30_000) as blocker:
            qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
            assert "Stopping" in panel.phase.text()
            assert not panel.cancel_button.isEnabled()     # pressed once is enough
            assert panel.syncing
            # the link stays frozen: Cancel does not wait for the request in flight
        assert blocker.args == [False]
        proxy.release()

        assert panel.last_result == "cancelled"
        assert not panel.syncing and panel.job is None
        assert panel.sync_button.isEnabled()
        assert not panel.cancel_button.isVisible() and not panel.progress.isVisible()
        assert "stopped" in panel.phase.text(), panel.phase.text()
        assert not panel.banner.isVisible() and panel.failures == 0  # not a failure
        after = states(panel)
        assert set(after) == ids, after                      # nothing left the outbox
        assert all(s in ("Waiting to be sent", "Sent") for s in after.values()), after
        assert {vault.records.get(i).title for i in ids} == {
            incident(n)["title"] for n in range(3)}

        with qtbot.waitSignal(panel.sync_finished, timeout=30_000) as blocker:
            panel.sync_now()
        assert blocker.args == [True], panel.phase.text()
        assert panel.last_result == "succeeded"
        assert set(states(panel).values()) == {"Sent"}
    finally:
        proxy.release()
        window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_cancel_before_the_job_starts_still_ends_in_cancelled(qtbot, ops, vault,
                                                            monkeypatch):
    """A job that ends as "cancelled" (ui.ops: never started because the net lane was
    busy, or stopped with Cancelled) reports no error: the panel must still come back to
    idle and say so."""
    from ui.main_window import MainWindow
    from ui.views import outbox_view

    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    panel = window.outbox
    monkeypatch.setattr(type(panel), "joined", property(lambda self: True))

    def stalls_until_cancelled(*_args, cancel, job=None, **_kwargs):
        cancel.wait(10)
        job.raise_if_cancelled()

    monkeypatch.setattr(outbox_view, "run_sync", stalls_until_cancelled)
    try:
        with qtbot.waitSignal(panel.sync_finished, timeout=10_000) as blocker:
            assert panel.sync_now() is not None
            panel.cancel()
        assert blocker.args == [False]
        assert panel.last_result == "cancelled"
        assert not panel.syncing and panel.sync_button.isEnabled()
        assert "stopped" in panel.phase.text(), panel.phase.text()
    finally:
        window.close()


def test_progress_says_what_is_happening_in_words(qtbot, ops, vault, monkeypatch):
    """The client's progress phases ("text", "upload"…) are shown translated, never as
    code words; once Cancel is pressed, "Stopping…" stays until the end."""
    from fieldapp import i18n
    from ui.main_window import MainWindow
    from ui.views import outbox_view

    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    panel = window.outbox
    monkeypatch.setattr(type(panel), "joined", property(lambda self: True))

    def reports_then_waits(*_args, cancel, job=None, **_kwargs):
        job.report(1, 3, "text")
        cancel.wait(10)
        job.report(2, 3, "upload")
        job.raise_if_cancelled()

    monkeypatch.setattr(outbox_view, "run_sync", reports_then_waits)
    i18n.set_language("fr")
    try:
        with qtbot.waitSignal(panel.sync_finished, timeout=10_000):
            panel.sync_now()
            qtbot.waitUntil(lambda: panel.phase.text() == "Envoi des fiches…", timeout=5000)
            assert panel.progress.value() == 333 and panel.progress.maximum() == 1000
            panel.cancel()
            stopping = panel.phase.text()
            assert stopping.startswith("Arrêt"), stopping
        assert panel.last_result == "cancelled"
        assert "upload" not in panel.phase.text()
    finally:
        i18n.set_language("en")
        window.close()
