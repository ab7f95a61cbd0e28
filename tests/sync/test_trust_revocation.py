"""Revocation holds on every path (issue: trust, point 4).

A revoked monitor's laptop is stolen; the thief undoes the revocation in the vault
(`UPDATE membership SET revoked = 0`), writes records and carries them out on a USB
bundle, through the server, or through another device's relay. Coordinators refuse every
item it signed after its revocation: the revocation travels as a signed roster, and
nothing in the revoked device's own files can undo it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.membership import membership
from fieldapp.records import transaction
from sync import devices
from sync.bundle import export_bundle, import_bundle, upload_bundle
from sync.client import SyncClient
from sync.errors import BundleRejected, DeviceRevoked, LastCoordinator
from tests.conftest import run_cli
from tests.sync.helpers import fast_settings, make_project
from tests.sync.trust import quarantine_reasons

BEFORE = {"title": "Avant la révocation", "occurred_on": "2024-07-01", "event_type": "looting"}
AFTER = {"title": "Écrit par le voleur", "occurred_on": "2024-07-02", "event_type": "looting"}


def _sync(vault):
    return SyncClient(vault, settings=fast_settings()).sync()


def test_a_revoked_laptop_can_not_undo_its_revocation(server, tmp_path: Path) -> None:
    coord, (mon, courier) = make_project(server, tmp_path, monitors=2)
    early = mon.records.add("incident", BEFORE)
    assert _sync(mon).complete
    assert _sync(coord).complete              # the coordinator has the early record
    mon_id = membership(mon.conn).device_id
    devices.revoke(coord, mon_id, settings=fast_settings())
    assert _sync(courier).complete            # every device learns of it
    with pytest.raises(LastCoordinator):
        devices.revoke(coord, membership(coord.conn).device_id, settings=fast_settings())

    # the thief's tampering: the vault no longer says revoked
    with transaction(mon.conn):
        mon.conn.execute("UPDATE membership SET revoked = 0")
    late = mon.records.add("incident", AFTER)

    # 1. a USB bundle straight to the coordinator
    bundle = tmp_path / "vol.fabundle"
    assert export_bundle(mon, bundle) >= 1
    result = import_bundle(coord, bundle)
    assert result["applied"] == 0 and result["refused"] >= 1, result
    assert not coord.conn.execute("SELECT 1 FROM record WHERE id = ?", (late,)).fetchone()
    assert coord.records.get(early).body["title"] == BEFORE["title"]  # earlier work stays
    assert any("sender revoked" in r for r in quarantine_reasons(coord))

    # 2. straight to the server
    with pytest.raises(DeviceRevoked):
        SyncClient(mon, settings=fast_settings()).sync()

    # 3. relayed: a monitor will not carry it (it knows only coordinators' keys), and
    # when a coordinator uploads it to the server, the server refuses it too
    with pytest.raises(BundleRejected):
        upload_bundle(courier, bundle, settings=fast_settings())
    relayed = upload_bundle(coord, bundle, settings=fast_settings())
    assert relayed["stored"] == 0 and relayed["refused"] >= 1, relayed
    assert _sync(coord).complete
    assert not coord.conn.execute("SELECT 1 FROM record WHERE id = ?", (late,)).fetchone()

    # 4. through the command line, as people do it
    coord.close()
    imported = run_cli(tmp_path / "coord", "bundle", "import", str(bundle))
    assert imported.code == 0, imported.err
    assert "0 applied" in imported.out


def test_items_the_server_had_before_the_revocation_still_arrive(server, tmp_path: Path
                                                                ) -> None:
    from sync import enroll
    from tests.sync.helpers import approve, new_vault

    coord, (mon,) = make_project(server, tmp_path)
    invite = tmp_path / "c2.invite"
    enroll.create_invite(coord, "coordinator", invite, settings=fast_settings())
    coord2 = new_vault(tmp_path, "coord2", "Coord-2")
    enroll.join(coord2, invite, settings=fast_settings())
    approve(coord, coord2)
    assert _sync(mon).complete                # learns of the second coordinator
    first = mon.records.add("incident", BEFORE)
    assert _sync(mon).complete
    assert _sync(coord).complete              # the revoking coordinator has seen it
    devices.revoke(coord, membership(mon.conn).device_id, settings=fast_settings())
    # the other coordinator pulls only now: what the server held before the revocation
    # (up to the cut-off the revocation names) still arrives
    assert _sync(coord2).complete
    assert coord2.records.get(first).body["title"] == BEFORE["title"]
    assert not any("sender revoked" in r for r in quarantine_reasons(coord2))
