"""The server learns less (issue 9, point 6), against real server processes on SQLite and
PostgreSQL: what a seized server's database holds after real syncs (no record id, no
creation time, no section, padded attachment sizes), and caps on what one push costs it."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp import attachments
from fieldapp.crypto import envelope as env
from fieldapp.crypto import filecipher
from sync import bundle
from sync import protocol as p
from sync.client import SyncClient
from tests.sync.conftest import HTTP, Project
from tests.sync.helpers import fast_settings, incidents, make_project, photo_bytes
from tests.sync.trust import server_engine

pytestmark = pytest.mark.timeout(300)

CAP = 1000  # frames per push (p.MAX_PUSH_ITEMS), written out so the test reads alone
TESTIMONY = {"witness_code": "T-12", "text": "Deux bergers arrêtés au puits de Ber.",
             "language": "fr", "identity": {"name": "Nom Inventé", "phone": "+22370000002"}}


def _seized(server) -> tuple[list[dict], list[dict]]:
    """Every item and blob row of the server's database, as whoever seized it reads it."""
    from sync.server.storage import blob, item

    engine = server_engine(server)
    try:
        with engine.connect() as conn:
            items = [dict(r) for r in conn.execute(select(item)).mappings()]
            blobs = [dict(r) for r in conn.execute(select(blob)).mappings()]
    finally:
        engine.dispose()
    return items, blobs


def test_a_seized_server_holds_no_record_id_time_or_section(server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(server, tmp_path)
    testimony = mon.records.add("testimony", TESTIMONY)
    rid = incidents(mon, 2)[0]
    photo = tmp_path / "puits.jpg"
    photo.write_bytes(photo_bytes(200_000))
    att = attachments.attach(mon, rid, photo)
    assert SyncClient(mon, settings=fast_settings()).sync().complete
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    # the receivers still find every record, the identity included
    assert coord.records.get(testimony).identity == TESTIMONY["identity"]
    record_ids = [r[0] for r in mon.conn.execute("SELECT id FROM record")]
    assert len(record_ids) >= 4  # the testimony, its identity record, two incidents

    items, blobs = _seized(server)
    envelopes = [bytes(i["data"]) for i in items if i["type"] == "envelope"]
    assert len(envelopes) >= 5
    everything = b"\n".join(b"%r" % sorted(i.items()) for i in items + blobs)
    for record_id in record_ids:
        raw = uuid.UUID(record_id).bytes
        assert record_id.encode() not in everything and raw not in everything
        assert raw[:6] not in everything  # UUIDv7: the creation time to the millisecond
    for i in items:
        if i["type"] == "envelope":
            assert re.fullmatch(r"envelope/[0-9a-f]{64}", i["key"])
    # format and suite only: an identity envelope looks like any other
    assert {e[:2] for e in envelopes} == {bytes((env.TYPE_ENVELOPE, 1))}
    sections = [s.encode() for s in env.SECTIONS]
    assert not [s for s in sections if s in everything]
    # the photo's ciphertext is padded: its size names a size class, not a file
    stored = attachments.info(mon, att).stored_size
    assert [b["length"] for b in blobs] == [filecipher.padded_size(stored)]
    assert blobs[0]["length"] > filecipher.HEADER_LEN + stored + 16 * -(-stored // (64 << 10))


def _one_byte_frames(n: int) -> bytes:
    return p.frame_items([b"\x01"] * n)


def test_frames_per_push_and_answer_size_are_capped(project: Project) -> None:
    s, mon = project.server, project.monitor
    too_many = HTTP.post(s.url + "/v1/push", content=_one_byte_frames(CAP + 1),
                         headers=mon.headers, timeout=120)
    assert too_many.status_code == 413 and too_many.json()["code"] == "too_many_items"
    # the old amplification: 8 MiB of one-byte frames once got a 120 MB answer
    started = time.monotonic()
    flood = HTTP.post(s.url + "/v1/push", content=_one_byte_frames((p.MAX_PUSH_BODY - 16) // 5),
                      headers=mon.headers, timeout=120)
    assert flood.status_code == 413 and flood.json()["code"] == "too_many_items"
    assert len(flood.content) < 1024 and time.monotonic() - started < 30
    assert p.MAX_PUSH_ITEMS == CAP
    # at the cap, every frame refused: the answer stays small
    full = HTTP.post(s.url + "/v1/push", content=_one_byte_frames(p.MAX_PUSH_ITEMS),
                     headers=mon.headers, timeout=120)
    assert full.status_code == 200
    assert len(p.PushResults.model_validate(full.json()).results) == p.MAX_PUSH_ITEMS
    assert len(full.content) < p.MAX_PUSH_ANSWER
    # at the cap, every frame stored with its signed receipt: still below the answer cap
    table = {d.device.device_id: d.device.kem_public for d in (mon, project.coordinator)}
    epoch = env.new_epoch(mon.device.device_id, mon.device, table, mon.device.suite)
    items = [epoch.packet] + [
        env.seal(epoch, mon.device, record_id=str(uuid.uuid4()), version_hash="ab" * 32,
                 section="record", kind="incident", payload=b"{}")
        for _ in range(p.MAX_PUSH_ITEMS - 1)]
    stored = HTTP.post(s.url + "/v1/push", content=p.frame_items(items), headers=mon.headers,
                       timeout=120)
    assert stored.status_code == 200, stored.text
    results = p.PushResults.model_validate(stored.json()).results
    assert {r.status for r in results} == {"stored"}
    assert len(stored.content) < p.MAX_PUSH_ANSWER
    assert p.Limits().max_push_items == p.MAX_PUSH_ITEMS
    info = HTTP.get(s.url + "/v1/server").json()
    assert info["limits"]["max_push_items"] == p.MAX_PUSH_ITEMS


def test_more_items_than_one_push_takes_still_go_by_sync_and_by_bundle(
        server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(server, tmp_path)
    SyncClient(coord, settings=fast_settings()).sync()
    incidents(mon, p.MAX_PUSH_ITEMS + 150, "Beaucoup")
    # relayed: a bundle carried to the coordinator, who uploads it in several pushes
    path = tmp_path / "outbox.fabn"
    bundle.export_bundle(mon, path)
    counts = bundle.upload_bundle(coord, path, settings=fast_settings())
    assert counts["refused"] == 0 and counts["stored"] >= p.MAX_PUSH_ITEMS + 150, counts
    # and the monitor's own sync: every item confirmed (duplicates of the relayed ones)
    report = SyncClient(mon, settings=fast_settings()).sync()
    assert report.complete and report.sent >= p.MAX_PUSH_ITEMS + 150, report
    assert SyncClient(coord, settings=fast_settings()).sync().complete
    found = coord.conn.execute("SELECT count(*) FROM record").fetchone()[0]
    assert found >= p.MAX_PUSH_ITEMS + 150
