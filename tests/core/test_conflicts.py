"""Resolving conflicting versions of a record (fieldapp.conflicts) on real SQLCipher vaults,
no network: a resolution is one version on the head that merges the other heads; it
travels as an item like any version and ends the conflict on the devices it reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import conflicts, incoming, outbox
from fieldapp.errors import InvalidInput, ItemRejected, NotFound
from fieldapp.membership import membership
from fieldapp.profile import Profile
from fieldapp.records import version_hash
from tests.sync.offline import offline_project

INCIDENT = {"title": "Village de Boni attaqué", "occurred_on": "2024-03-02",
            "event_type": "attack_on_civilians", "region": "Mopti",
            "description": "Des hommes armés sont venus."}


def _vault(tmp_path: Path, name: str, pseudonym: str):
    vault, _ = Profile(tmp_path / name).create(pseudonym, "correct horse battery staple",
                                               kdf_seconds=0)
    return vault


def _ship(src, dst) -> int:
    outbox.enqueue_unsent(src.conn)
    applied = 0
    for _oid, kind, ref, _size in outbox.pending(src.conn):
        if kind == "media":
            continue
        applied += incoming.apply_item(dst.conn, outbox.outbox_item(src.conn, kind, ref),
                                       sender=membership(src.conn).device_id,
                                       project_id=membership(dst.conn).project_id,
                                       actor=dst.pseudonym)
    return applied


@pytest.fixture
def three(tmp_path: Path):
    """A monitor and two coordinators; the monitor's record edited offline by the monitor
    and by the second coordinator, then both edits reach both coordinators."""
    mon = _vault(tmp_path, "m", "Sahel-7")
    c1 = _vault(tmp_path, "c1", "Coord-1")
    c2 = _vault(tmp_path, "c2", "Coord-2")
    offline_project((mon, "monitor"), (c1, "coordinator"), (c2, "coordinator"))
    rid = mon.records.add("incident", INCIDENT)
    _ship(mon, c1)
    _ship(mon, c2)
    mon.records.edit(rid, {"region": "Ségou", "description": "Ils sont venus à moto."})
    c2.records.edit(rid, {"title": "Boni : attaque du marché"})
    _ship(mon, c1)
    _ship(mon, c2)
    _ship(c2, c1)
    yield mon, c1, c2, rid
    for vault in (mon, c1, c2):
        vault.close()


def test_two_heads_are_compared_field_by_field(three) -> None:
    _mon, c1, c2, rid = three
    for vault in (c1, c2):
        assert conflicts.in_conflict(vault.conn) == [rid]
    found = conflicts.conflict(c1.conn, rid)
    assert found is not None and len(found.heads) == 2
    assert found.heads[0].hash == c1.records.get(rid).head   # the head first
    diffs = {d.field: d for d in conflicts.compare([h.body for h in found.heads])}
    assert {f for f, d in diffs.items() if d.differs} == {"title", "region", "description"}
    assert not diffs["event_type"].differs
    with pytest.raises(NotFound):
        conflicts.conflict(c1.conn, "0" * 32)


def test_fields_from_each_head_make_one_version_that_ends_the_conflict_everywhere(
        three) -> None:
    mon, c1, c2, rid = three
    found = conflicts.conflict(c1.conn, rid)
    by_author = {h.author: i for i, h in enumerate(found.heads)}
    digest = conflicts.resolve(c1.conn, "Coord-1", rid, choices={
        "title": by_author["Coord-2"], "region": by_author["Sahel-7"],
        "description": by_author["Sahel-7"]})
    assert conflicts.in_conflict(c1.conn) == []
    record = c1.records.get(rid)
    assert record.head == digest
    assert record.body["title"] == "Boni : attaque du marché"
    assert record.body["region"] == "Ségou"
    assert record.body["description"] == "Ils sont venus à moto."
    # one version on the head, merging the other: the hash covers what it merges
    item = outbox.version_item(c1.conn, digest)
    assert item["parent"] == found.heads[0].hash
    assert item["merges"] == [found.heads[1].hash]
    assert version_hash(rid, "incident", item["parent"], "Coord-1", item["created_at"],
                        item["body"]) != digest
    # it reaches the other coordinator: no conflict there either, same head
    assert _ship(c1, c2) >= 1
    assert conflicts.in_conflict(c2.conn) == []
    assert c2.records.get(rid).head == digest
    assert c2.records.get(rid).body == record.body
    # a monitor never had a conflict (versions are sealed for coordinators only)
    assert conflicts.in_conflict(mon.conn) == []


def test_keeping_one_head_and_refusals(three) -> None:
    _mon, c1, _c2, rid = three
    found = conflicts.conflict(c1.conn, rid)
    with pytest.raises(InvalidInput):
        conflicts.resolve(c1.conn, "Coord-1", rid, keep=5)
    kept = found.heads[1]
    digest = conflicts.resolve(c1.conn, "Coord-1", rid, keep=1)
    assert c1.records.get(rid).body == kept.body
    assert c1.records.get(rid).head == digest
    with pytest.raises(InvalidInput):  # nothing left to resolve
        conflicts.resolve(c1.conn, "Coord-1", rid, keep=0)


def test_a_tampered_merge_list_is_refused(three) -> None:
    _mon, c1, c2, rid = three
    digest = conflicts.resolve(c1.conn, "Coord-1", rid, keep=0)
    item = outbox.version_item(c1.conn, digest)
    for bad in (["not-a-hash"], "abc", [c1.records.get(rid).head]):
        with pytest.raises(ItemRejected):
            incoming.apply_item(c2.conn, {**item, "merges": bad},
                                sender=membership(c1.conn).device_id,
                                project_id=membership(c2.conn).project_id,
                                actor=c2.pseudonym)
    assert conflicts.in_conflict(c2.conn) == [rid]


def test_only_a_coordinator_may_end_a_conflict(three) -> None:
    """A record's own monitor may write its versions, but not one that merges heads: that
    would end, on every device, a conflict with a coordinator's edit without a
    coordinator's choice."""
    mon, c1, _c2, rid = three
    other = [h.hash for h in conflicts.conflict(c1.conn, rid).heads]
    mine = outbox.version_item(mon.conn, mon.records.get(rid).head)
    merges = sorted(h for h in other if h != mine["hash"])
    forged = {**mine, "parent": mine["hash"], "merges": merges,
              "body": {**mine["body"], "title": "Réglé par l'observateur"}}
    forged["hash"] = version_hash(rid, forged["kind"], forged["parent"], forged["author"],
                                  forged["created_at"], forged["body"], merges)
    with pytest.raises(ItemRejected, match="conflict resolution from a monitor"):
        incoming.apply_item(c1.conn, forged, sender=membership(mon.conn).device_id,
                            project_id=membership(c1.conn).project_id,
                            actor=c1.pseudonym)
    assert conflicts.in_conflict(c1.conn) == [rid]
