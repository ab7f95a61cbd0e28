"""One bad item never stalls a device (issue: trust, point 3).

A second coordinator (approved, so its items pass the sender checks) pushes well-signed
items of every type with wrong types, missing keys and huge values; the receiving
coordinator's sync always completes, the good items are applied and the bad ones are put
aside."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp import audit, outbox
from fieldapp.crypto import filecipher
from fieldapp.text import uuid7
from sync import enroll
from sync.client import SyncClient
from tests.sync.helpers import approve, fast_settings, make_project, new_vault
from tests.sync.trust import push_crafted, quarantine_reasons

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=40) | st.just("x" * 300_000),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6)
FIELDS = {
    "version": ("kind", "parent", "body", "hash", "owner", "links"),
    "review": ("status", "confidence", "note", "duplicate_of", "version_hash", "id"),
    "translation": ("field", "target_lang", "text", "status", "source_lang", "id"),
    "assignment": ("kind", "fields", "target_lang", "translator_device", "translator", "id"),
    "attachment": ("file_key", "thumbnail", "stripped", "stored_size", "blob_sha256",
                   "blob_size", "sha256_stored", "mime", "id", "width"),
}


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    """A coordinator, a monitor with one record, and a second (malicious) coordinator."""
    from tests.sync.conftest import start_server

    root = tmp_path_factory.mktemp("robust")
    server = start_server(root / "server-data")
    coord, (mon,) = make_project(server, root)
    invite = root / "c2.invite"
    enroll.create_invite(coord, "coordinator", invite, settings=fast_settings())
    rogue = new_vault(root, "rogue", "Coord-2")
    enroll.join(rogue, invite, settings=fast_settings())
    approve(coord, rogue)
    record = mon.records.add("incident", {"title": "Incident réel", "event_type": "looting",
                                          "occurred_on": "2024-02-02"})
    for vault in (mon, coord, rogue):
        assert SyncClient(vault, settings=fast_settings()).sync().complete
    yield server, coord, mon, rogue, record
    for vault in (coord, mon, rogue):
        vault.close()
    server.stop()


def _template(kind: str, record: str, rogue) -> dict:
    base = {"type": kind, "record_id": record, "created_at": audit.now(), "id": uuid7()}
    named = {"version": "author", "review": "reviewer", "translation": "translator",
             "assignment": "assigned_by", "attachment": "created_by"}[kind]
    return {**base, named: rogue.pseudonym}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), st.data()), min_size=1,
                max_size=6))
def test_random_well_signed_items_never_stop_a_sync(desks, draws) -> None:
    _server, coord, mon, rogue, record = desks
    items = []
    for kind, data in draws:
        item = _template(kind, record, rogue)
        for key in data.draw(st.lists(st.sampled_from(FIELDS[kind]), max_size=4, unique=True)):
            item[key] = data.draw(JSON)
        items.append(item)
    # one good item among them: a genuine review by the rogue coordinator
    good = {**_template("review", record, rogue), "status": "needs-info", "note": "Date ?",
            "confidence": None, "duplicate_of": None, "version_hash": None}
    push_crafted(rogue, [*items, good], skip_unsealable=True)
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.pulled and report.complete, report
    assert coord.conn.execute("SELECT 1 FROM review WHERE id = ?", (good["id"],)).fetchone()
    # the monitor, author of the record, receives the review too, whatever came with it
    assert SyncClient(mon, settings=fast_settings()).sync().pulled


def test_an_object_as_confidence_is_put_aside_and_the_sync_goes_on(desks) -> None:
    _server, coord, mon, rogue, record = desks
    bad = {**_template("review", record, rogue), "status": "verified",
           "confidence": {"a": [1]}, "note": "", "duplicate_of": None, "version_hash": None}
    good = {**_template("review", record, rogue), "status": "verified", "confidence": "high",
            "note": "", "duplicate_of": None, "version_hash": None}
    push_crafted(rogue, [bad, good])
    for _ in range(2):  # the next syncs are not stalled either
        report = SyncClient(coord, settings=fast_settings()).sync()
        assert report.complete, report
    assert coord.conn.execute("SELECT confidence FROM review WHERE id = ?",
                              (good["id"],)).fetchone() == ("high",)
    assert not coord.conn.execute("SELECT 1 FROM review WHERE id = ?", (bad["id"],)).fetchone()
    assert any("confidence" in r for r in quarantine_reasons(coord))


def test_an_attachment_whose_key_does_not_open_its_file_is_put_aside(desks,
                                                                     tmp_path: Path) -> None:
    _server, coord, _mon, rogue, record = desks
    # a real encrypted file uploaded, described with a key that is not its key
    sealed = tmp_path / "s.bin"
    filecipher.encrypt_to(sealed, filecipher.new_key(), os.urandom(5000))
    data = sealed.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    item = {**_template("attachment", record, rogue), "kind": "image", "mime": "image/jpeg",
            "name": "x.jpg", "size": 5000, "stored_size": len(data), "sha256_original": sha,
            "sha256_stored": sha, "file_key": base64.b64encode(os.urandom(32)).decode(),
            "has_original": 0, "stripped": {}, "thumbnail": None, "width": None,
            "height": None, "blob_sha256": sha, "blob_size": len(data)}
    bad_key = {**item, "id": uuid7(), "file_key": "not base64!"}
    push_crafted(rogue, [item, bad_key])
    client = SyncClient(rogue, settings=fast_settings())
    try:
        # the epoch the attachment was sealed under (not merely the newest: an earlier
        # test's random items may have made one for another recipient set since)
        epoch = client.keys.own_epoch(
            outbox.audience(rogue.conn, client.keys.member, item)).epoch_id
        client.upload_file(sealed, epoch)
    finally:
        client.close()
    for _ in range(2):
        report = SyncClient(coord, settings=fast_settings()).sync()
        assert report.complete, report
    assert not coord.conn.execute("SELECT 1 FROM attachment WHERE id IN (?, ?)",
                                  (item["id"], bad_key["id"])).fetchone()
    assert not coord.conn.execute("SELECT 1 FROM incoming_attachment WHERE id IN (?, ?) AND "
                                  "state = 'waiting'", (item["id"], bad_key["id"])).fetchone()
    reasons = " | ".join(quarantine_reasons(coord))
    assert "bad file_key" in reasons
    assert outbox.record_state(coord.conn, record)["record_id"] == record
