"""Membership is decided by coordinators, never by the server (issue: trust, point 1).

Against a real server process, on SQLite and PostgreSQL: whoever holds the server's
database inserts a device of their own as a "coordinator"; a thief uses a copied invite.
Neither gets anything sealed to them, and the coordinator sees them flagged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp import outbox
from fieldapp.crypto import envelope
from fieldapp.crypto.keys import DeviceIdentity
from fieldapp.membership import approval, membership, peers
from sync import devices, enroll
from sync.client import SyncClient
from sync.errors import FingerprintMismatch, InviteRefused, NotApproved
from sync.server import auth
from tests.conftest import run_cli
from tests.sync.helpers import approve, fast_settings, fingerprint, make_project, new_vault
from tests.sync.trust import push_crafted, server_engine

TESTIMONY = {"witness_code": "T-77", "text": "Ils ont emmené trois hommes vers la brousse.",
             "language": "fr", "identity": {"name": "Nom Inventé", "phone": "+22370000001"}}


def _insert_device(server, identity: DeviceIdentity, role: str) -> str:
    """The seized-database attack: a row written straight into the server's device table."""
    from sync.server.storage import device

    token = auth.new_token()
    public = identity.public
    engine = server_engine(server)
    try:
        with engine.begin() as conn:
            conn.execute(device.insert().values(
                device_id=public.key_id, role=role, pseudonym="Coord-Faux", suite=public.suite,
                sign_public=public.sign_public, kem_public=public.kem_public,
                token_hash=auth.token_hash(token), joined_at=int(time.time()),
                revoked_at=None))
    finally:
        engine.dispose()
    return token


def _key_packets(server) -> list[bytes]:
    from sync.server.storage import item

    engine = server_engine(server)
    try:
        with engine.connect() as conn:
            return [bytes(r[0]) for r in conn.execute(
                select(item.c.data).where(item.c.type == "keypacket"))]
    finally:
        engine.dispose()


def test_a_device_inserted_in_the_server_database_gets_nothing(server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(server, tmp_path, suite="X25519")
    attacker = DeviceIdentity.generate("X25519")
    _insert_device(server, attacker, "coordinator")
    # every device syncs, several times (the old code signed the server's word into a list)
    for _ in range(2):
        for vault in (coord, mon):
            assert SyncClient(vault, settings=fast_settings()).sync().complete
    assert attacker.public.key_id not in {c.device_id for c in membership(mon.conn).coordinators}
    assert attacker.public.key_id not in {c.device_id for c in membership(coord.conn).coordinators}

    testimony = mon.records.add("testimony", TESTIMONY)
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    packets = _key_packets(server)
    assert packets
    opened = 0
    for packet in packets:
        parsed = envelope.parse_key_packet(packet)
        assert attacker.public.key_id not in parsed.recipients
        with pytest.raises(envelope.EnvelopeError):  # NotARecipient
            envelope.open_key_packet(packet, device_id=attacker.public.key_id, device=attacker,
                                     sender_sign_public=_sign_key(mon, coord, parsed.sender))
        opened += 1
    assert opened == len(packets)
    # the coordinator still gets the testimony and its identity
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    assert coord.records.get(testimony).identity == TESTIMONY["identity"]

    # ... and sees the inserted device flagged, on the command line as in the library
    listed = {d.device_id: d for d in devices.list_devices(coord, settings=fast_settings())}
    assert listed[attacker.public.key_id].state == "pending"
    coord.close()
    shown = run_cli(tmp_path / "coord", "devices")
    assert shown.code == 0, shown.err
    line = next(x for x in shown.out.splitlines() if x.startswith(attacker.public.key_id))
    assert "NOT APPROVED" in line
    assert "not approved by a coordinator" in shown.out


def _sign_key(mon, coord, device_id: str) -> bytes:
    for vault in (mon, coord):
        for peer in peers(vault.conn, include_revoked=True):
            if peer.device_id == device_id:
                return peer.public.sign_public
        if membership(vault.conn).device_id == device_id:
            from fieldapp.membership import identity_by_key_id

            return identity_by_key_id(vault.conn, membership(vault.conn).key_id) \
                .public.sign_public
    raise AssertionError(device_id)


def test_a_copied_invite_leaves_the_thief_pending(server, tmp_path: Path) -> None:
    coord, _ = make_project(server, tmp_path, monitors=0, suite="X25519")
    invite = tmp_path / "sahel.invite"
    enroll.create_invite(coord, "monitor", invite, settings=fast_settings())
    stolen = tmp_path / "copy.invite"
    stolen.write_bytes(invite.read_bytes())

    thief = new_vault(tmp_path, "thief", "Sahel-7")   # even the same pseudonym
    enroll.join(thief, stolen, settings=fast_settings())
    real = new_vault(tmp_path, "real", "Sahel-7")
    with pytest.raises(InviteRefused):            # one-time: the real joiner notices
        enroll.join(real, invite, settings=fast_settings())
    # the real monitor reads their fingerprint over the phone; the thief's differs
    from fieldapp.membership import device_identity
    from fieldapp.records import transaction

    with transaction(real.conn):
        real_fingerprint = device_identity(real.conn, "X25519").public.fingerprint
    thief_id = membership(thief.conn).device_id
    assert real_fingerprint != fingerprint(thief)
    with pytest.raises(FingerprintMismatch):
        devices.approve(coord, thief_id, real_fingerprint, settings=fast_settings())
    assert approval(thief.conn) == "pending"

    record = coord.records.add("incident", {"title": "Réunion de coordination",
                                            "occurred_on": "2024-05-01",
                                            "event_type": "looting"})
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    report = SyncClient(thief, settings=fast_settings()).sync()
    assert any(r.startswith("NotApproved") for r in report.reasons)
    assert report.received == 0 and not thief.conn.execute(
        "SELECT 1 FROM record WHERE id = ?", (record,)).fetchone()
    # the server refuses what it pushes, too
    thief_items = thief.records.add("incident", {"title": "Faux", "occurred_on": "2024-05-02",
                                                 "event_type": "looting"})
    outbox.enqueue_unsent(thief.conn)
    with pytest.raises(NotApproved):
        push_crafted(thief, [outbox.version_item(thief.conn,
                                                 thief.records.get(thief_items).head)])


def test_approval_needs_the_right_fingerprint_and_then_delivers(server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(server, tmp_path, suite="X25519", approved=False)
    mon_id = membership(mon.conn).device_id
    assert [d.state for d in devices.list_devices(coord, settings=fast_settings())
            if d.device_id == mon_id] == ["pending"]
    incident = mon.records.add("incident", {"title": "Attaque du marché", "event_type":
                                            "looting", "occurred_on": "2024-04-01"})
    report = SyncClient(mon, settings=fast_settings()).sync()
    assert not report.complete and report.sent == 0      # nothing leaves before approval
    with pytest.raises(FingerprintMismatch):
        devices.approve(coord, mon_id, "00000 00000 00000 00000 00000 00000",
                        settings=fast_settings())
    approve(coord, mon)
    assert approval(mon.conn) == "pending"               # until it syncs
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert approval(mon.conn) == "approved"
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    assert coord.records.get(incident).body["title"] == "Attaque du marché"


def test_a_roster_can_not_be_rolled_back_or_forged_at_the_server(server, tmp_path: Path
                                                                  ) -> None:
    import dataclasses

    from fieldapp.membership import held_roster
    from tests.sync.conftest import HTTP

    coord, (mon,) = make_project(server, tmp_path, suite="X25519")
    project_id = membership(coord.conn).project_id
    latest = held_roster(coord.conn, project_id)
    token = membership(mon.conn).device_token
    headers = {"Authorization": f"Bearer {token}"}
    # the server refuses an older counter, a changed roster and a forged signature
    first = HTTP.put(f"{server.url}/v1/roster/1", content=latest.to_bytes(), headers=headers)
    assert first.status_code in (400, 409), first.text
    forged = dataclasses.replace(latest, counter=latest.counter + 1,
                                 members=tuple(m for m in latest.members
                                               if m.role == "coordinator"))
    answer = HTTP.put(f"{server.url}/v1/roster/{forged.counter}", content=forged.to_bytes(),
                      headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_roster"
    signed_by_monitor = dataclasses.replace(forged, signer=membership(mon.conn).device_id)
    answer = HTTP.put(f"{server.url}/v1/roster/{forged.counter}",
                      content=signed_by_monitor.to_bytes(), headers=headers)
    assert answer.status_code == 400
    assert HTTP.get(f"{server.url}/v1/roster", params={"since": 0},
                    headers=headers).content == latest.to_bytes()
