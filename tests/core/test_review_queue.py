"""The review queue, reviews of a selection, notes for monitors and duplicate candidates,
on a real encrypted store."""

from __future__ import annotations

import pytest

from fieldapp import audit, duplicates, review_queue
from fieldapp.errors import InvalidInput
from fieldapp.records import RecordStore
from fieldapp.text import uuid7


def _incident(title: str, day: str, locality: str = "Boni", region: str = "Mopti",
              event_type: str = "attack_on_civilians", **extra) -> dict:
    return {"title": title, "occurred_on": day, "region": region, "locality": locality,
            "event_type": event_type, **extra}


def test_the_queue_holds_what_others_wrote_until_reviewed_and_again_after_an_edit(vault):
    monitor = RecordStore(vault.conn, "Kidal-3")
    theirs = monitor.add("incident", _incident("Attaque de Boni", "2024-05-02"))
    later = monitor.add("incident", _incident("Pillage à Douentza", "2024-01-10",
                                              locality="Douentza"))
    vault.records.add("incident", _incident("Écrit ici", "2024-05-03"))
    me = vault.pseudonym
    queue = review_queue.ReviewQueue(vault.conn, me)
    assert queue.count() == 2
    assert [s.id for s in queue.list()] == [later, theirs]  # newest change first
    assert [s.id for s in queue.list(limit=1, offset=1)] == [theirs]
    assert queue.count(monitor="Kidal-3", region="Mopti") == 2
    assert queue.count(monitor="Someone-else") == 0
    assert queue.count(date_from="2024-05-01") == 1
    assert queue.authors == ["Kidal-3"]

    with pytest.raises(InvalidInput):  # "needs more information" says what is needed
        review_queue.review_many(vault.conn, me, [theirs], "needs-info", note="  ")
    review_queue.review_many(vault.conn, me, [theirs, later], "needs-info",
                             note="Combien de victimes ?", confidence="low")
    assert queue.count() == 0
    assert queue.count(reviewed="1") == 3  # every record, this device's too
    assert [r.status for r in review_queue.history(vault.conn, theirs)] == ["needs-info"]

    monitor.edit(theirs, {"description": "Trois morts."})  # the monitor's answer
    assert [s.id for s in queue.list()] == [theirs]
    assert queue.list(status="needs-info")[0].id == theirs
    assert review_queue.answered(vault.conn, review_queue.latest(vault.conn, theirs))


def test_new_ones_are_marked_until_the_queue_is_seen(vault):
    monitor = RecordStore(vault.conn, "Kidal-3")
    first = monitor.add("incident", _incident("Un", "2024-05-02"))
    queue = review_queue.ReviewQueue(vault.conn, vault.pseudonym)
    assert queue.fresh([first]) == {first}
    review_queue.mark_seen(vault.conn, review_queue.newest_version(vault.conn))
    second = monitor.add("incident", _incident("Deux", "2024-05-03"))
    queue = review_queue.ReviewQueue(vault.conn, vault.pseudonym)
    assert queue.fresh([first, second]) == {second}


def test_notes_from_coordinators_are_counted_until_read(vault):
    record_id = vault.records.add("incident", _incident("Attaque de Boni", "2024-05-02"))
    head = vault.conn.execute("SELECT head FROM record").fetchone()[0]
    for status, note in (("needs-info", "Précisez l'heure."), ("verified", "")):
        vault.conn.execute(  # as a sync applies a coordinator's review
            "INSERT INTO review (id, record_id, version_hash, status, note, reviewer, "
            "created_at, origin) VALUES (?, ?, ?, ?, ?, 'Coord-1', ?, 'remote')",
            (uuid7(), record_id, head, status, note, audit.now()))
    notes = review_queue.notes(vault.conn)
    assert [(n.review.status, n.unread, n.answered) for n in notes] == [
        ("needs-info", True, False)]  # a bare "verified" asks nothing
    assert review_queue.unread_notes(vault.conn) == 1
    review_queue.mark_notes_read(vault.conn)
    assert review_queue.unread_notes(vault.conn) == 0
    vault.records.edit(record_id, {"description": "Vers 10 h."})
    assert review_queue.notes(vault.conn)[0].answered


def test_duplicate_candidates_rank_date_place_type_and_text(vault):
    store = vault.records
    original = store.add("incident", _incident(
        "Attaque du marché de Boni", "2024-05-02",
        description="Des hommes armés ont tiré sur le marché hebdomadaire de Boni."))
    same = store.add("incident", _incident(
        "Tirs sur le marché de Boni", "2024-05-03",
        description="Des hommes armés ont tiré sur le marché de Boni, plusieurs morts."))
    elsewhere = store.add("incident", _incident(
        "Attaque du marché de Kidal", "2024-05-02", locality="Kidal", region="Kidal",
        description="Des hommes armés ont tiré sur le marché de Kidal."))
    other_type = store.add("incident", _incident(
        "Pillage de boutiques", "2024-05-10", event_type="looting",
        description="Des boutiques pillées la nuit."))
    store.add("incident", _incident("Attaque du marché de Boni", "2023-01-02"))  # too old
    found = duplicates.candidates(vault.conn, original)
    ids = [c.summary.id for c in found]
    assert ids[0] == same
    assert ids.index(elsewhere) > 0 and (other_type not in ids or
                                         ids.index(other_type) > ids.index(same))
    best = found[0]
    assert best.days == 1 and best.km == 0.0 and best.same_type and best.text > 0.5
    far = next(c for c in found if c.summary.id == elsewhere)
    assert far.km is not None and far.km > 300  # Boni to Kidal, from the gazetteer
    assert len(ids) == len(set(ids)) and original not in ids

    review_queue.review_many(vault.conn, vault.pseudonym, [same], "duplicate",
                             duplicate_of=original)
    assert same not in [c.summary.id for c in duplicates.candidates(vault.conn, original)]
    with pytest.raises(InvalidInput):
        review_queue.review_many(vault.conn, vault.pseudonym, [original], "duplicate",
                                 duplicate_of=original)


def test_a_review_that_arrives_before_its_version_still_takes_the_record_out(vault):
    """Items arrive in any order: a coordinator's review of version 2 may be applied
    before version 2 itself. The record's flag (kept by the store's triggers) must follow
    whichever comes last."""
    monitor = RecordStore(vault.conn, "Kidal-3")
    rid = monitor.add("incident", _incident("Attaque de Boni", "2024-05-02"))
    queue = review_queue.ReviewQueue(vault.conn, vault.pseudonym)
    assert queue.ids() == [rid]
    monitor.edit(rid, {"description": "Trois morts."})
    new_head = vault.conn.execute("SELECT head FROM record WHERE id = ?", (rid,)).fetchone()[0]
    old_head = vault.conn.execute("SELECT parent FROM version WHERE hash = ?",
                                  (new_head,)).fetchone()[0]
    # back to the old head, as on a device that has not received version 2 yet
    vault.conn.execute("UPDATE record SET head = ? WHERE id = ?", (old_head, rid))
    assert queue.ids() == [rid]
    vault.conn.execute(  # another coordinator's review of version 2, received first
        "INSERT INTO review (id, record_id, version_hash, status, note, reviewer, created_at)"
        " VALUES (?, ?, ?, 'verified', '', 'Coord-2', ?)", (uuid7(), rid, new_head,
                                                             audit.now()))
    assert queue.ids() == [rid]  # it reviews a version this device does not show yet
    vault.conn.execute("UPDATE record SET head = ? WHERE id = ?", (new_head, rid))
    assert queue.ids() == []     # version 2 arrives: already reviewed
    assert queue.count(reviewed="1") == 1
