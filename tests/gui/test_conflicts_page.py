"""Conflicts resolved in the app against a REAL server process: the monitor who wrote a
record and a second coordinator edit it offline (a version is accepted only from the
record's author or a coordinator, so two monitors cannot edit one record); both edits
reach the coordinator, who sees the two versions side by side in the Conflicts page, takes
fields from each, syncs — and after the others sync no device has a conflict left."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import conflicts
from tests.conftest import PASSPHRASE
from tests.gui.test_main_window import FakeController
from tests.sync.conftest import start_server
from tests.sync.helpers import approve, fast_settings, make_project, new_vault

INCIDENT = {"title": "Village de Boni attaqué", "occurred_on": "2024-03-02",
            "event_type": "attack_on_civilians", "region": "Mopti",
            "description": "Des hommes armés sont venus."}


def _sync(vault) -> None:
    from sync.client import SyncClient

    assert SyncClient(vault, settings=fast_settings()).sync().complete


@pytest.fixture
def devices(tmp_path: Path, monkeypatch):
    from fieldapp.profile import Profile
    from sync import enroll

    monkeypatch.setenv("FIELDAPP_SYNC_ATTEMPTS", "2")
    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.02")
    server = start_server(tmp_path / "server-data")
    opened = []
    try:
        coord, (mon,) = make_project(server, tmp_path)
        invite = tmp_path / "coord2.invite"
        enroll.create_invite(coord, "coordinator", invite, settings=fast_settings())
        coord2 = new_vault(tmp_path, "coord2", "Coord-2")
        enroll.join(coord2, invite, settings=fast_settings())
        approve(coord, coord2, role="coordinator")
        opened += [mon, coord2]
        for vault in (coord, coord2, mon):
            _sync(vault)
        rid = mon.records.add("incident", INCIDENT)
        for vault in (mon, coord, coord2):
            _sync(vault)
        # offline, both from the same version
        mon.records.edit(rid, {"region": "Ségou", "description": "Ils sont venus à moto."})
        coord2.records.edit(rid, {"title": "Boni : attaque du marché"})
        for vault in (mon, coord2, coord):
            _sync(vault)
        coord.close()
        coord = Profile(tmp_path / "coord").unlock(PASSPHRASE, check_same_thread=False)
        opened.append(coord)
        yield coord, coord2, mon, rid
    finally:
        for vault in opened:
            vault.close()
        server.stop()


def test_the_coordinator_resolves_a_conflict_in_the_app(qtbot, ops, devices):
    from PySide6.QtCore import Qt

    from ui.main_window import MainWindow

    coord, coord2, mon, rid = devices
    assert conflicts.in_conflict(coord.conn) == [rid]
    assert conflicts.in_conflict(coord2.conn) == [rid]
    window = MainWindow(vault=coord, profile=coord.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    try:
        window.show_page("conflicts")
        page = window.pages["conflicts"]
        assert page.records.count() == 1
        page.select(rid)
        # two heads side by side, differing fields marked and listed first
        assert page.table.columnCount() == 4
        differing = [d.field for d in page.fields if d.differs]
        assert set(differing) == {"title", "region", "description"}
        assert "(differs)" in page.table.item(0, 0).text()
        heads = page.current.heads
        author = {h.author: i for i, h in enumerate(heads)}
        page.choose("title", author["Coord-2"])
        page.choose("region", author[mon.pseudonym])
        page.choose("description", author[mon.pseudonym])
        with qtbot.waitSignal(page.resolved, timeout=20_000):
            qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
        assert page.records.count() == 0
        assert conflicts.in_conflict(coord.conn) == []
        body = coord.records.get(rid).body
        assert body["title"] == "Boni : attaque du marché"
        assert body["region"] == "Ségou" and body["description"] == "Ils sont venus à moto."

        # the coordinator syncs from the app; the others sync
        with qtbot.waitSignal(window.outbox.sync_finished, timeout=60_000) as synced:
            window.outbox.sync_now()
        assert synced.args == [True], window.outbox.phase.text()
        _sync(coord2)
        _sync(mon)
        for vault in (coord, coord2, mon):
            assert conflicts.in_conflict(vault.conn) == []
        assert coord2.records.get(rid).head == coord.records.get(rid).head
        assert coord2.records.get(rid).body == body
    finally:
        window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
