"""A translation comes back to the monitor who wrote the record, through a real server,
relayed by the coordinator who assigned it (the translator never learns which monitor
wrote it, and nothing a translator sends a monitor directly gets in); the translator's
memory holds the project's earlier translations of sentences like the ones assigned, and
nothing else of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp import audit, translations
from fieldapp.membership import membership
from fieldapp.memory import TranslationMemory
from fieldapp.text import uuid7
from sync.client import SyncClient
from tests.sync.helpers import fast_settings
from tests.sync.translating import TESTIMONY, assigned, four_devices, sync_all, translation_item
from tests.sync.trust import push_crafted, quarantine_reasons


@pytest.fixture
def project(server, tmp_path: Path):
    yield from four_devices(server, tmp_path)


def test_the_monitor_sees_the_translation_of_its_own_record(project) -> None:
    coord, mon, other, trad = project
    tes = assigned(project, fields=("summary", "text"))
    [told] = translations.assignments(mon.conn, record_id=tes)
    assert told.translator == trad.pseudonym and sorted(told.fields) == ["summary", "text"]
    assert told.state == "assigned"
    translations.add_translation(trad.conn, trad.pseudonym, tes, "summary", "en",
                                 "Families displaced to Mopti")
    translations.add_translation(trad.conn, trad.pseudonym, tes, "text", "en",
                                 "The families left on foot for Mopti. The market closed.")
    # the translator's store does not say which monitor wrote the record
    assert trad.conn.execute("SELECT author_device FROM assignment").fetchall() == [(None,)]
    # the coordinator's sync takes the translations in and passes them on, in one go
    sync_all(trad, coord, mon, other)
    for vault in (mon, coord):
        found = translations.translations_of(vault.conn, tes)
        assert found[("summary", "en")].text == "Families displaced to Mopti"
        assert found[("text", "en")].translator == trad.pseudonym
        assert [r.id for r in vault.records.search("displaced")] == [tes]
        assert quarantine_reasons(vault) == []
    [told] = translations.assignments(mon.conn, record_id=tes)
    assert told.state == "done"
    # the other monitor never had the record, nor the translation: nothing sealed for it
    assert not other.conn.execute("SELECT 1 FROM translation").fetchone()
    assert not other.conn.execute("SELECT 1 FROM assignment").fetchone()
    assert quarantine_reasons(other) == []


def test_a_monitor_takes_nothing_from_a_translator_directly(project) -> None:
    coord, mon, other, trad = project
    tes = assigned(project, fields=("summary",))
    mon_device = membership(mon.conn).device_id
    head = mon.records.get(tes).head
    forged = [
        translation_item(tes, trad),                         # even what it was assigned
        translation_item(tes, trad, field="text"),           # a field it was not assigned
        {"type": "review", "id": uuid7(), "record_id": tes, "version_hash": head,
         "status": "rejected", "duplicate_of": None, "confidence": None,
         "note": "Fiche à refaire", "reviewer": trad.pseudonym, "created_at": audit.now()},
    ]
    push_crafted(trad, forged, to=[mon_device, membership(coord.conn).device_id])
    # another monitor's translation of this record
    push_crafted(other, [translation_item(tes, other)], to=[mon_device])
    report = SyncClient(mon, settings=fast_settings()).sync()
    # each sender's key packet (not a sender a monitor takes), then its envelopes (no key
    # to open them)
    assert report.quarantined == 6, quarantine_reasons(mon)
    reasons = " | ".join(quarantine_reasons(mon))
    for device in (membership(trad.conn).device_id, membership(other.conn).device_id):
        assert f"SenderNotApproved(sender={device})" in reasons
    assert reasons.count("UnknownEpoch") == 4, reasons
    assert translations.translations_of(mon.conn, tes) == {}
    assert mon.records.get(tes).status != "rejected"
    assert not mon.conn.execute("SELECT 1 FROM review").fetchone()
    # the coordinator put the translator's unassigned field and review aside, and
    # passes on only the assigned translation
    sync_all(coord)
    reasons = " | ".join(quarantine_reasons(coord))
    assert "not assigned to this translator" in reasons and "a review from a translator" \
        in reasons, reasons
    sync_all(mon)
    found = translations.translations_of(mon.conn, tes)
    assert list(found) == [("summary", "en")] and found[("summary", "en")].text == "Forged"
    assert found[("summary", "en")].translator == trad.pseudonym


def test_a_coordinator_passes_on_only_a_translators_translation(project) -> None:
    """A relayed translation names its translator: from a coordinator only, and only a
    translator of the roster (a monitor may not name one, nor a coordinator a monitor)."""
    coord, mon, other, trad = project
    tes = assigned(project, fields=("summary",))
    mon_device = membership(mon.conn).device_id
    push_crafted(other, [{**translation_item(tes, other), "translator": trad.pseudonym}],
                 to=[mon_device])
    push_crafted(coord, [{**translation_item(tes, coord), "translator": other.pseudonym}],
                 to=[mon_device])
    report = SyncClient(mon, settings=fast_settings()).sync()
    reasons = " | ".join(quarantine_reasons(mon))
    assert "the name it gives is not its sender's" in reasons, reasons
    assert f"SenderNotApproved(sender={membership(other.conn).device_id})" in reasons
    assert report.quarantined == 3 and translations.translations_of(mon.conn, tes) == {}


def test_an_assignment_with_a_malformed_memory_is_quarantined(project) -> None:
    coord, mon, other, trad = project
    tes = mon.records.add("testimony", TESTIMONY)
    sync_all(mon, coord)
    bad = {"type": "assignment", "id": uuid7(), "record_id": tes,
           "translator": trad.pseudonym, "translator_device": membership(trad.conn).device_id,
           "target_lang": "en", "assigned_by": coord.pseudonym, "created_at": audit.now(),
           "author_device": membership(mon.conn).device_id, "kind": "testimony",
           "fields": {"summary": TESTIMONY["summary"], "language": "fr"},
           "memory": [["une phrase", 42]]}
    worse = {**bad, "id": uuid7(), "author_device": "../../etc", "memory": []}
    push_crafted(coord, [bad, worse])
    report = SyncClient(trad, settings=fast_settings()).sync()
    assert report.quarantined == 2, quarantine_reasons(trad)
    reasons = " | ".join(quarantine_reasons(trad))
    assert "bad memory" in reasons and "bad author_device" in reasons, reasons
    assert translations.assignments(trad.conn) == []


def test_the_translator_gets_earlier_translations_of_like_sentences_only(project) -> None:
    coord, mon, other, trad = project
    earlier = other.records.add("testimony", {  # another monitor's testimony
        "witness_code": "T-07", "language": "fr", "summary": "Marché fermé",
        "text": "Les familles sont parties à pied vers Mopti.\n"
                "Un camion a été brûlé près du puits."})
    sync_all(other, coord)
    # translated on the coordinator's desk, never assigned to this translator
    translations.add_translation(
        coord.conn, coord.pseudonym, earlier, "text", "en",
        "The families left on foot for Mopti.\nA truck was burned near the well.")
    tes = assigned(project, fields=("text",))
    assert not trad.conn.execute("SELECT 1 FROM record WHERE id = ?", (earlier,)).fetchone()
    shared = json.loads(trad.conn.execute("SELECT memory FROM assignment").fetchone()[0])
    assert shared == [["Les familles sont parties à pied vers Mopti.",
                       "The families left on foot for Mopti."]]
    memory = TranslationMemory.from_store(trad.conn, "en")
    [hit] = memory.lookup("Les familles sont parties à pied vers Mopti.")
    assert hit.exact and hit.target == "The families left on foot for Mopti."
    # the monitor who wrote the record learns of the assignment, not of other records:
    # its copy carries no pairs of the project's memory
    assert mon.conn.execute("SELECT memory FROM assignment").fetchall() == [("[]",)]
    assert not mon.conn.execute("SELECT 1 FROM version WHERE body LIKE '%Mopti%' AND "
                                "record_id = ?", (earlier,)).fetchone()
    # the sentence about the truck is like nothing assigned: it never left the coordinator
    assert memory.lookup("Un camion a été brûlé près du puits.") == []
    assert "camion" not in json.dumps(shared, ensure_ascii=False)
    assert tes != earlier
