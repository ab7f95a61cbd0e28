"""The outbox tells the truth, in the user's words, against a REAL server process on
127.0.0.1 that dies in the middle of a photo upload: the record is not "Sent" but "Text
sent, 2 photos waiting (… MB)", the reason is a translated phrase (never an exception
name), the panel knows the server is gone within 10 s, the bar never stands full while
nothing moves, and the counts are records, not protocol items."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from fieldapp import attachments, i18n
from tests.conftest import PASSPHRASE
from tests.gui.test_main_window import FakeController, incident
from tests.sync.conftest import start_server
from tests.sync.helpers import Person, photo_bytes

EXCEPTION_LIKE = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*|\w+\(|Error|Exception")


@pytest.fixture
def joined(tmp_path: Path):
    server = start_server(tmp_path / "server-data")
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        coord.ok("project", "create", "--server", server.url, "--name", "Gao 2024",
                 f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519")
        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        monitor.join(invite, coord)  # and approved: an unapproved device sends nothing
        yield monitor.path, server
    finally:
        server.stop()


def test_a_server_gone_mid_upload_is_told_honestly(qtbot, ops, joined, tmp_path,
                                                     monkeypatch):
    from fieldapp.profile import Profile
    from sync import session
    from ui.main_window import MainWindow

    path, server = joined
    vault = Profile(path).unlock(PASSPHRASE, check_same_thread=False)
    record_id = vault.records.add("incident", incident(1))
    for n in range(2):
        photo = tmp_path / f"photo-{n}.jpg"
        photo.write_bytes(photo_bytes(1_200_000, seed=n))
        attachments.attach(vault, record_id, photo)

    killed: list[float] = []
    original = session.SyncSession._progress

    def progress(self, done, total, phase):  # the server dies during the first photo
        if phase == "upload" and not killed:
            server.kill()
            killed.append(time.monotonic())
        original(self, done, total, phase)

    monkeypatch.setattr(session.SyncSession, "_progress", progress)
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    panel = window.outbox
    window.show_page("outbox")
    full_while_dead: list[str] = []

    def sample() -> None:  # what the user sees on the bar, every 50 ms
        bar = panel.progress
        if killed and bar.isVisible() and bar.maximum() > 0 and \
                bar.value() >= bar.maximum():
            full_while_dead.append(bar.text())

    sampler = QTimer()
    sampler.timeout.connect(sample)
    sampler.start(50)
    try:
        with qtbot.waitSignal(panel.sync_finished, timeout=120_000) as blocker:
            panel.sync_now()
        ended = time.monotonic()
        sampler.stop()
        assert killed, "the upload never started"
        assert blocker.args == [False]
        assert ended - killed[0] <= 10.0, f"{ended - killed[0]:.1f} s to notice"
        assert full_while_dead == [], full_while_dead
        assert panel.banner.isVisible()
        # counts in records: one record, not "3 sent" (its text and two descriptions)
        assert "0 records sent" in panel.phase.text(), panel.phase.text()
        assert "1 record still waiting" in panel.phase.text(), panel.phase.text()
        state = panel.model.index(0, 2).data()
        assert re.fullmatch(r"Text sent, 2 photos waiting \(\d+(\.\d)? MB\)", state), state
        reason = panel.model.index(0, 3).data()
        assert reason and not EXCEPTION_LIKE.search(reason), reason
        i18n.set_language("fr")
        window.retranslate()
        state_fr, reason_fr = (panel.model.index(0, c).data() for c in (2, 3))
        assert state_fr.startswith("Texte envoyé, 2 photos en attente"), state_fr
        assert reason_fr and not EXCEPTION_LIKE.search(reason_fr), reason_fr
        assert reason_fr != reason
        i18n.set_language("en")
        window.retranslate()

        server.restart()
        with qtbot.waitSignal(panel.sync_finished, timeout=120_000) as blocker:
            panel.sync_now()
        assert blocker.args == [True], panel.phase.text()
        assert "1 record sent" in panel.phase.text(), panel.phase.text()
        assert "0 records still waiting" in panel.phase.text()
        assert panel.model.index(0, 2).data() == "Sent"
        assert panel.model.index(0, 3).data() == ""
    finally:
        sampler.stop()
        i18n.set_language("en")
        window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
        vault.close()
