"""The sync client against a real server process: quarantine of bad envelopes, text-only,
data budget, progress and cancel, invites refused, conflicts kept."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from fieldapp import attachments, outbox
from fieldapp.crypto import envelope
from fieldapp.jsonutil import canonical
from fieldapp.membership import membership, project_keys
from fieldapp.records import transaction
from sync import enroll
from sync import protocol as p
from sync.client import SyncClient
from sync.errors import AlreadyJoined, BadInvite, InviteRefused, SyncCancelled
from tests.sync.conftest import start_server
from tests.sync.helpers import (
    approve,
    fast_settings,
    incidents,
    make_project,
    new_vault,
    photo_bytes,
)


@pytest.fixture
def sqlite_server(tmp_path: Path):
    proc = start_server(tmp_path / "server-data")
    yield proc
    proc.stop()


def _frames(vault) -> list[tuple[int, bytes]]:
    client = SyncClient(vault, settings=fast_settings())
    try:
        answer = client.transport.request("GET", f"{p.API}/changes",
                                          params={"since": 0, "limit": 1000})
        return list(p.iter_changes(answer.content))
    finally:
        client.close()


def test_tampered_truncated_and_forged_envelopes_are_quarantined(sqlite_server,
                                                                 tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    incidents(mon, 2)
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    frames = _frames(coord)
    packets = [f for f in frames if f[1][0] == 2]
    envelopes = [f for f in frames if f[1][0] == envelope.TYPE_ENVELOPE]
    assert len(envelopes) == 2
    (seq, good), (seq2, other) = envelopes
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 1
    forged = good[:-64] + bytes(64)
    bad = [(seq, bytes(flipped)), (seq, good[:100]), (seq, forged), (seq, b""),
           (seq, b"\x01" + bytes(200)), (seq, b"\x03" + bytes(200))]
    client = SyncClient(coord, settings=fast_settings())
    client.apply_frames([*packets, *bad], None, source="test")
    assert client.report.quarantined == len(bad)
    assert coord.conn.execute("SELECT count(*) FROM record").fetchone()[0] == 0
    assert coord.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == len(bad)
    # the genuine ones still apply, once
    client.apply_frames([(seq, good), (seq2, other), (seq, good)], None, source="test")
    assert coord.conn.execute("SELECT count(*) FROM record").fetchone()[0] == 2
    assert client.report.received == 2


def test_text_only_then_budget_then_media(sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    rid = incidents(mon, 3)[0]
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(600_000))
    att = attachments.attach(mon, rid, photo)
    phases: list[str] = []
    report = SyncClient(mon, settings=fast_settings(), text_only=True,
                        on_progress=lambda d, t, ph: phases.append(ph)).sync()
    assert report.complete and report.deferred == 1 and report.sent == 4
    assert "text" in phases and "upload" not in phases
    state = outbox.record_state(mon.conn, rid)
    assert {i["kind"]: i["state"] for i in state["items"]}["media"] == "pending"
    early = SyncClient(coord, settings=fast_settings()).sync()  # the photo is not up yet
    assert early.complete and early.attachments_waiting == 1
    report = SyncClient(mon, settings=fast_settings(), budget=50_000).sync()
    assert not report.complete and "data budget reached" in report.reasons
    phases.clear()
    report = SyncClient(mon, settings=fast_settings(), chunk_size=128 * 1024,
                        on_progress=lambda d, t, ph: phases.append(ph)).sync()
    assert report.complete and phases.count("upload") >= 4
    coord_report = SyncClient(coord, settings=fast_settings(), text_only=True).sync()
    assert coord_report.attachments_received == 0
    assert SyncClient(coord, settings=fast_settings()).sync().attachments_received == 1
    assert attachments.info(coord, att).size == attachments.info(mon, att).size


def test_cancel_stops_at_a_safe_point(sqlite_server, tmp_path: Path) -> None:
    _coord, (mon,) = make_project(sqlite_server, tmp_path)
    incidents(mon, 5)
    settings = fast_settings()
    settings.cancel = threading.Event()
    settings.cancel.set()
    with pytest.raises(SyncCancelled):
        SyncClient(mon, settings=settings).sync()
    states = {r[0] for r in mon.conn.execute("SELECT state FROM outbox")}
    assert states <= {"pending"}
    assert SyncClient(mon, settings=fast_settings()).sync().complete


def test_invites_expired_forged_reused_and_already_joined(sqlite_server,
                                                          tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    invite = tmp_path / "t.invite"
    enroll.create_invite(coord, "translator", invite, settings=fast_settings())
    data = json.loads(invite.read_text())
    # expired (re-signed by the real project key, so only the date is wrong)
    keys = project_keys(coord.conn, membership(coord.conn).project_id)
    expired = {k: v for k, v in data.items() if k != "signature"}
    expired["expires_at"] = 1_000_000
    expired["signature"] = p.b64(keys.sign(canonical(expired)))
    (tmp_path / "expired.invite").write_text(json.dumps(expired))
    newcomer = new_vault(tmp_path, "newcomer", "Trad-9")
    with pytest.raises(InviteRefused) as info:
        enroll.join(newcomer, tmp_path / "expired.invite", settings=fast_settings())
    assert info.value.params["reason"] == "expired"
    # forged: another server URL slipped in
    (tmp_path / "forged.invite").write_text(json.dumps({**data, "server_url": "http://x"}))
    with pytest.raises(BadInvite):
        enroll.join(newcomer, tmp_path / "forged.invite", settings=fast_settings())
    (tmp_path / "junk.invite").write_text("{not json")
    with pytest.raises(BadInvite):
        enroll.join(newcomer, tmp_path / "junk.invite", settings=fast_settings())
    with pytest.raises(AlreadyJoined):
        enroll.join(mon, invite, settings=fast_settings())
    enroll.join(newcomer, invite, settings=fast_settings())
    other = new_vault(tmp_path, "other", "Trad-10")
    with pytest.raises(InviteRefused) as info:
        enroll.join(other, invite, settings=fast_settings())
    assert info.value.params["reason"] == "invalid"


def test_concurrent_edits_arrive_as_a_conflict_never_overwritten(sqlite_server,
                                                                 tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    rid = incidents(mon, 1)[0]
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    coord.records.edit(rid, {"title": "Titre du coordinateur"})
    mon.records.edit(rid, {"title": "Titre du moniteur"})
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    assert coord.conn.execute("SELECT count(*) FROM conflict WHERE record_id = ?",
                              (rid,)).fetchone()[0] == 1
    titles = {v.body["title"] for v in coord.records.history(rid)}
    assert {"Titre du coordinateur", "Titre du moniteur"} <= titles


def _envelopes_before_their_keys(server, tmp_path: Path):
    """A coordinator given a monitor's three envelopes before their key packets (put
    aside): (coordinator, record ids, its client, the key packets still to give)."""
    coord, (mon,) = make_project(server, tmp_path)
    ids = incidents(mon, 3)
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    frames = _frames(coord)
    packets = [f for f in frames if f[1][0] == 2]
    envelopes = [f for f in frames if f[1][0] == envelope.TYPE_ENVELOPE]
    client = SyncClient(coord, settings=fast_settings())
    client.apply_frames(envelopes, None, source="server")  # reordered: keys come later
    return coord, ids, client, packets


def test_items_put_aside_for_an_unknown_key_are_recovered_later(sqlite_server,
                                                                tmp_path: Path) -> None:
    coord, ids, client, packets = _envelopes_before_their_keys(sqlite_server, tmp_path)
    assert client.report.quarantined == 3
    client.apply_frames(packets, None, source="server")
    assert client.retry_quarantined() == 3
    assert coord.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    assert sorted(r[0] for r in coord.conn.execute("SELECT id FROM record")) == sorted(ids)
    client.close()


def test_many_translations_put_aside_do_not_crowd_out_the_keys(sqlite_server,
                                                               tmp_path: Path) -> None:
    """Translations put aside as not assigned are tried again (their assignment may come
    later), but apart and bounded: 600 of them (what a hostile translator could send)
    leave the items waiting for a key to be recovered."""
    coord, ids, client, packets = _envelopes_before_their_keys(sqlite_server, tmp_path)
    with transaction(coord.conn):
        coord.conn.executemany(
            "INSERT INTO quarantine (received_at, source, seq, sender, reason, envelope) "
            "VALUES ('2026-01-01', 'server', ?, NULL, "
            "'NotAllowed(reason=not assigned to this translator)', ?)",
            [(10_000 + n, b"\xff" + bytes(40)) for n in range(600)])
    client.apply_frames(packets, None, source="server")
    assert client.retry_quarantined() == 3
    assert sorted(r[0] for r in coord.conn.execute("SELECT id FROM record")) == sorted(ids)
    assert coord.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 600
    client.close()


def test_demo_server_registers_the_demo_profile_and_stops_clean(tmp_path: Path) -> None:
    from sync.client import start_demo_server

    vault = new_vault(tmp_path, "demo", "Demo-Moniteur")
    incidents(vault, 2)
    server = start_demo_server(vault)
    try:
        assert membership(vault.conn).role == "coordinator"
        assert SyncClient(vault, settings=fast_settings()).sync().complete
    finally:
        server.stop()
    assert not server.folder.exists()
    assert server.process.poll() is not None


def test_a_later_coordinator_reaches_monitors_only_once_approved(
        sqlite_server, tmp_path: Path) -> None:
    from fieldapp.crypto.keys import DeviceIdentity
    from fieldapp.membership import Peer, save_pending_peer

    coord, (mon,) = make_project(sqlite_server, tmp_path)
    invite = tmp_path / "c2.invite"
    enroll.create_invite(coord, "coordinator", invite, settings=fast_settings())
    coord2 = new_vault(tmp_path, "coord2", "Coord-2")
    enroll.join(coord2, invite, settings=fast_settings())
    c2_id = membership(coord2.conn).device_id
    # a key the server (or anyone) slips into the monitor's directory is not trusted
    fake = DeviceIdentity.generate("X25519").public
    save_pending_peer(mon.conn, membership(mon.conn).project_id,
                      Peer(fake.key_id, "coordinator", "Faux", fake, "pending"))
    before = incidents(mon, 1, "Avant l'approbation")
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    row = mon.conn.execute("SELECT recipients FROM epoch_key WHERE own = 1").fetchone()
    assert fake.key_id not in row[0] and c2_id not in row[0]
    # the coordinator approves the second one; the monitor adopts the new roster
    approve(coord, coord2)
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert c2_id in {c.device_id for c in membership(mon.conn).coordinators}
    after = incidents(mon, 1, "Après l'approbation")
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert SyncClient(coord2, settings=fast_settings()).sync().complete
    got = {r[0] for r in coord2.conn.execute("SELECT id FROM record")}
    assert set(after) <= got and not set(before) & got
    assert fake.key_id not in {c.device_id for c in membership(mon.conn).coordinators}


def test_forged_or_stale_rosters_are_refused(sqlite_server, tmp_path: Path) -> None:
    import dataclasses

    from fieldapp import roster as rosters
    from fieldapp.membership import adopt_roster, held_roster
    from fieldapp.records import transaction

    coord, (mon,) = make_project(sqlite_server, tmp_path)
    project_id = membership(coord.conn).project_id
    current = held_roster(coord.conn, project_id)
    assert current is not None and current.counter == 2  # founder, then the monitor
    assert held_roster(mon.conn, project_id).counter == 1  # fetched when it joined
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert held_roster(mon.conn, project_id).counter == 2
    emptied = dataclasses.replace(current, counter=3,
                                  members=tuple(m for m in current.members
                                                if m.role == "coordinator"))
    with transaction(mon.conn):
        with pytest.raises(rosters.RosterInvalid):   # changed after signing
            adopt_roster(mon.conn, emptied.to_bytes())
        with pytest.raises(rosters.RosterInvalid):
            adopt_roster(mon.conn, dataclasses.replace(current, signature=b"\0" * 64)
                         .to_bytes())
        assert adopt_roster(mon.conn, current.to_bytes()) is None  # replayed: not newer
    assert held_roster(mon.conn, project_id).counter == 2
    assert len(membership(mon.conn).coordinators) == 1
