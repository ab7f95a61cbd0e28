"""The outbox and incoming items on real SQLCipher vaults, no network: apply, conflicts,
reviews, assignments and translations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp import incoming, outbox, reviews, translations
from fieldapp.errors import InvalidInput, ItemRejected, NotFound, UnknownTranslator
from fieldapp.membership import membership
from fieldapp.profile import Profile
from tests.sync.offline import offline_project

INCIDENT = {"title": "Village de Boni attaqué", "occurred_on": "2024-03-02",
            "event_type": "attack_on_civilians", "description": "Des hommes armés sont venus.",
            "region": "Mopti"}
TESTIMONY = {"witness_code": "W-12", "text": "J'ai vu les motos arriver le matin.",
             "identity": {"name": "Aminata Exemple", "phone": "+22300000000"}}


def _vault(tmp_path: Path, name: str, pseudonym: str):
    vault, _ = Profile(tmp_path / name).create(pseudonym, "correct horse battery staple",
                                               kdf_seconds=0)
    return vault


@pytest.fixture
def trio(tmp_path: Path):
    """A monitor, a coordinator and a translator of one project (no server)."""
    monitor = _vault(tmp_path, "m", "Sahel-7")
    coordinator = _vault(tmp_path, "c", "Coord-1")
    translator = _vault(tmp_path, "t", "Trad-3")
    offline_project((monitor, "monitor"), (coordinator, "coordinator"),
                    (translator, "translator"))
    yield monitor, coordinator, translator
    for vault in (monitor, coordinator, translator):
        vault.close()


@pytest.fixture
def pair(trio):
    monitor, coordinator, _translator = trio
    return monitor, coordinator


def _id(vault) -> str:
    return membership(vault.conn).device_id


def _ship(src, dst) -> int:
    """Everything in src's outbox applied at dst (as the client would after opening)."""
    outbox.enqueue_unsent(src.conn)
    applied = 0
    for _oid, kind, ref, _size in outbox.pending(src.conn):
        if kind == "media":
            continue
        item = outbox.outbox_item(src.conn, kind, ref)
        applied += incoming.apply_item(dst.conn, item, sender=_id(src),
                                       project_id=membership(dst.conn).project_id,
                                       actor=dst.pseudonym)
    return applied


def test_local_writes_are_queued_once(pair) -> None:
    monitor, _ = pair
    rid = monitor.records.add("incident", INCIDENT)
    monitor.records.edit(rid, {"region": "Ségou"})
    monitor.records.add("testimony", TESTIMONY)
    assert outbox.enqueue_unsent(monitor.conn) == 4  # 2 versions + testimony + identity
    assert outbox.enqueue_unsent(monitor.conn) == 0
    kinds = [k for _i, k, _r, _s in outbox.pending(monitor.conn)]
    assert kinds == ["version"] * 4
    assert outbox.record_state(monitor.conn, rid)["state"] == "pending"


def test_versions_arrive_with_identity_links_and_search(pair) -> None:
    monitor, coord = pair
    inc = monitor.records.add("incident", INCIDENT)
    tes = monitor.records.add("testimony", {**TESTIMONY, "incident_ids": [inc]})
    assert _ship(monitor, coord) == 3
    got = coord.records.get(tes)
    assert got.body["text"] == TESTIMONY["text"]
    assert got.identity == TESTIMONY["identity"]
    assert got.incident_ids == [inc]
    assert [s.id for s in coord.records.search("boni")] == [inc]
    origins = {r[0] for r in coord.conn.execute("SELECT origin FROM version")}
    assert origins == {"remote"}
    # replay: nothing applied twice, nothing duplicated
    assert _ship(monitor, coord) == 0
    assert coord.conn.execute("SELECT count(*) FROM version").fetchone()[0] == 3


def test_two_versions_with_same_parent_are_both_kept(pair) -> None:
    monitor, coord = pair
    rid = monitor.records.add("incident", INCIDENT)
    _ship(monitor, coord)
    monitor.records.edit(rid, {"title": "Version du moniteur"})
    coord.records.edit(rid, {"title": "Version du coordinateur"})
    _ship(monitor, coord)
    rows = coord.conn.execute("SELECT record_id FROM conflict").fetchall()
    assert rows == [(rid,)]
    conflicts = outbox.record_state(coord.conn, rid)["conflicts"]
    assert {conflicts[0]["author_a"], conflicts[0]["author_b"]} == {"Sahel-7", "Coord-1"}
    titles = {v.body["title"] for v in coord.records.history(rid)}
    assert titles == {INCIDENT["title"], "Version du moniteur", "Version du coordinateur"}


def test_tampered_version_is_rejected_and_changes_nothing(pair) -> None:
    monitor, coord = pair
    rid = monitor.records.add("incident", INCIDENT)
    outbox.enqueue_unsent(monitor.conn)
    digest = monitor.records.get(rid).head
    item = outbox.version_item(monitor.conn, digest)
    item["body"]["title"] = "Falsifié"
    with pytest.raises(ItemRejected, match="hash"):
        incoming.apply_item(coord.conn, item, sender=_id(monitor), project_id="p",
                            actor="Coord-1")
    assert coord.conn.execute("SELECT count(*) FROM record").fetchone()[0] == 0
    assert coord.conn.execute("SELECT count(*) FROM applied").fetchone()[0] == 0
    attachment = {"type": "attachment", "record_id": rid, "sha256_stored": "0" * 64,
                  "file_key": "AAAA", "mime": "image/jpeg", "name": "x.jpg", "kind": "image",
                  "stored_size": 3, "blob_size": 3}
    for bad in ({"type": "nope"}, {"type": "review", "record_id": "../../etc"}, [],
                {"type": "version", "record_id": rid, "kind": "incident"},
                {**attachment, "id": "../../../keyslots", "blob_sha256": "0" * 64},
                {**attachment, "id": "0190aaaa-0000-7000-8000-000000000000",
                 "blob_sha256": "../../v1/devices/x/revoke"}):
        with pytest.raises(ItemRejected) as refused:
            incoming.apply_item(coord.conn, bad, sender=_id(monitor), project_id="p",
                                actor="C")
        assert refused.type.__name__ != "SenderNotApproved"  # the item, not its sender


def test_review_round_trip_sets_status_and_note(pair) -> None:
    monitor, coord = pair
    rid = monitor.records.add("incident", INCIDENT)
    _ship(monitor, coord)
    reviews.add_review(coord.conn, "Coord-1", rid, "needs-info", note="Quelle heure ?",
                     confidence="medium")
    assert coord.records.get(rid).status == "needs-info"
    _ship(coord, monitor)
    state = outbox.record_state(monitor.conn, rid)
    assert state["review"]["status"] == "needs-info"
    assert state["review"]["note"] == "Quelle heure ?"
    assert monitor.records.get(rid).status == "needs-info"


@pytest.mark.parametrize("kwargs", [
    {"status": "great"}, {"status": "verified", "confidence": "total"},
    {"status": "duplicate"}, {"status": "verified", "duplicate_of": "x"},
    {"status": "verified", "note": "x" * 6000},
])
def test_bad_reviews_refused(pair, kwargs) -> None:
    _, coord = pair
    rid = coord.records.add("incident", INCIDENT)
    status = kwargs.pop("status")
    with pytest.raises(InvalidInput):
        reviews.add_review(coord.conn, "C", rid, status, **kwargs)
    with pytest.raises(NotFound):
        reviews.add_review(coord.conn, "C", "0190aaaa-0000-7000-8000-000000000000", "verified")


def test_assignment_carries_narrative_only_and_translation_comes_back(tmp_path) -> None:
    monitor = _vault(tmp_path, "m", "Sahel-7")
    coord = _vault(tmp_path, "c", "Coord-1")
    translator = _vault(tmp_path, "t", "Trad-3")
    try:
        project = offline_project((monitor, "monitor"), (coord, "coordinator"))
        tes = monitor.records.add("testimony", {**TESTIMONY, "summary": "Motos au matin"})
        _ship(monitor, coord)
        with pytest.raises(UnknownTranslator):  # no approved translator yet
            translations.assign(coord.conn, "Coord-1", tes, "Trad-3", "en")
        project.join((translator, "translator"))  # approved in a newer roster
        coord_id = _id(coord)
        with pytest.raises(InvalidInput):
            translations.assign(coord.conn, "Coord-1", tes, "Trad-3", "de")
        translations.assign(coord.conn, "Coord-1", tes, "trad-3", "en")
        (_o, _k, ref, _s), (_o2, _k2, author_ref, _s2) = outbox.pending(coord.conn)[-2:]
        item = outbox.outbox_item(coord.conn, "assignment", ref)
        text = json.dumps(item, ensure_ascii=False)
        assert "Aminata" not in text and "W-12" not in text and "+223" not in text
        assert "author_device" not in item  # the translator is not told who wrote it
        assert outbox.audience(coord.conn, membership(coord.conn), item) == sorted(
            {_id(translator), coord_id})
        # a copy for the monitor who wrote it (to get the translation back), no memory
        copy = outbox.outbox_item(coord.conn, "assignment", author_ref)
        assert author_ref == ref + outbox.AUTHOR_COPY and copy["copy"] == "author"
        assert copy["memory"] == [] and copy["id"] == item["id"]
        assert outbox.audience(coord.conn, membership(coord.conn), copy) == sorted(
            {_id(monitor), coord_id})
        _ship(coord, translator)
        body = translator.records.get(tes).body
        assert body == {"text": TESTIMONY["text"], "summary": "Motos au matin"}
        assert translator.records.get(tes).identity is None
        translations.add_translation(translator.conn, "Trad-3", tes, "text", "en",
                                     "I saw the motorbikes arrive in the morning.")
        with pytest.raises(InvalidInput):
            translations.add_translation(translator.conn, "Trad-3", tes, "witness_code", "en",
                                         "x")
        _ship(translator, coord)
        rows = coord.conn.execute("SELECT field, target_lang, text, translator FROM "
                                  "translation WHERE record_id = ?", (tes,)).fetchall()
        assert rows == [("text", "en", "I saw the motorbikes arrive in the morning.",
                         "Trad-3")]
        _ship(coord, monitor)  # the assignment and the translation, passed on, by USB
        found = translations.translations_of(monitor.conn, tes)[("text", "en")]
        assert found.text == "I saw the motorbikes arrive in the morning."
    finally:
        for vault in (monitor, coord, translator):
            vault.close()


def test_sent_receipt_is_audited_and_failures_are_honest(pair) -> None:
    monitor, _ = pair
    rid = monitor.records.add("incident", INCIDENT)
    outbox.enqueue_unsent(monitor.conn)
    (oid, _k, _r, _s), = outbox.pending(monitor.conn)
    outbox.mark_failed(monitor.conn, oid, "server unreachable")
    assert outbox.record_state(monitor.conn, rid)["state"] == "pending"
    outbox.mark_failed(monitor.conn, oid, "server unreachable", final=True)
    state = outbox.record_state(monitor.conn, rid)
    assert state["state"] == "failed" and state["items"][0]["reason"] == "server unreachable"
    outbox.mark_sent(monitor.conn, oid, {"seq": 7, "signature": "sig"}, "Sahel-7")
    state = outbox.record_state(monitor.conn, rid)
    assert state["state"] == "sent" and state["items"][0]["receipt"]["seq"] == 7
    actions = [r[0] for r in monitor.conn.execute("SELECT action FROM audit")]
    assert actions[-1] == "receipt"


def test_own_assignment_coming_back_leaves_the_full_record(pair) -> None:
    monitor, coord = pair
    tes = monitor.records.add("testimony", TESTIMONY)
    _ship(monitor, coord)
    translations.assign(coord.conn, "Coord-1", tes, "Trad-3", "fr")
    item = outbox.outbox_item(coord.conn, "assignment", outbox.pending(coord.conn)[-1][2])
    assert incoming.apply_item(coord.conn, item, sender=_id(coord), project_id="p",
                               actor="Coord-1")
    assert coord.records.get(tes).body["witness_code"] == "W-12"
    assert len(coord.records.history(tes)) == 1
