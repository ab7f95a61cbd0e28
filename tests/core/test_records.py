"""Records: validation, versions, history, search, audit chain."""

from __future__ import annotations

import pytest

from fieldapp import audit
from fieldapp.errors import InvalidInput, NotFound
from fieldapp.messages import user_message
from fieldapp.store.db import DatabaseError

BASE = {"title": "Massacre présumé", "occurred_on": "2024-02-11", "event_type": "massacre",
        "region": "Mopti", "cercle": "Bandiagara", "locality": "Ogossagou",
        "perpetrators": ["militia"], "killed_min": 20, "killed_max": 35}


@pytest.mark.parametrize("patch,field", [
    ({"colour": "red"}, "colour"),
    ({"occurred_on": "2024-02-30"}, "occurred_on"),
    ({"occurred_on": "2099-01-01"}, "occurred_on"),
    ({"occurred_on": "1899"}, "occurred_on"),
    ({"occurred_on": "11/02/2024"}, "occurred_on"),
    ({"latitude": 91.0, "longitude": -3.0}, "latitude"),
    ({"latitude": 14.5, "longitude": 200}, "longitude"),
    ({"latitude": 14.5}, "longitude"),
    ({"killed_min": 40, "killed_max": 10}, "killed_max"),
    ({"killed_min": -1}, "killed_min"),
    ({"killed_min": "12"}, "killed_min"),
    ({"event_type": "picnic"}, "event_type"),
    ({"perpetrators": ["aliens"]}, "perpetrators"),
    ({"title": ""}, "title"),
    ({"date_precision": "day", "occurred_on": "2024-02"}, "date_precision"),
])
def test_bad_input_names_the_field(vault, patch, field):
    with pytest.raises(InvalidInput) as caught:
        vault.records.add("incident", {**BASE, **patch})
    assert caught.value.params["field"] == field
    message = user_message(caught.value)
    assert field in message and "\n" not in message
    assert vault.records.count() == 0


def test_nan_and_missing_required(vault):
    with pytest.raises(InvalidInput):
        vault.records.add("incident", {**BASE, "latitude": float("nan"), "longitude": 1.0})
    data = dict(BASE)
    del data["event_type"]
    with pytest.raises(InvalidInput) as caught:
        vault.records.add("incident", data)
    assert caught.value.params == {"field": "event_type", "reason": "required"}


def test_partial_dates_infer_precision(vault):
    rid = vault.records.add("incident", {**BASE, "occurred_on": "2023-07"})
    assert vault.records.get(rid).body["date_precision"] == "month"


def test_edit_makes_immutable_versions_with_parent_hash(vault):
    rid = vault.records.add("incident", BASE)
    first = vault.records.get(rid).head
    second = vault.records.edit(rid, {"killed_min": 22, "sub_event_type": "village attack"})
    third = vault.records.edit(rid, {"sub_event_type": None})
    history = vault.records.history(rid)
    assert [v.hash for v in history] == [first, second, third]
    assert [v.parent for v in history] == [None, first, second]
    assert history[1].body["killed_min"] == 22 and "sub_event_type" not in history[2].body
    assert vault.records.get(rid).head == third
    with pytest.raises(DatabaseError):
        vault.conn.execute("UPDATE version SET body = '{}' WHERE hash = ?", (first,))
    with pytest.raises(InvalidInput):
        vault.records.edit(rid, {"title": None})  # required fields cannot be removed
    assert vault.records.get(rid).head == third


def test_edit_unknown_record(vault):
    with pytest.raises(NotFound):
        vault.records.edit("0190a0a0-0000-7000-8000-000000000000", {"title": "x"})


def test_search_is_accent_and_case_insensitive(vault):
    lere = vault.records.add("incident", {**BASE, "title": "Frappe près de Léré",
                                          "locality": "Léré", "region": "Tombouctou"})
    vault.records.add("incident", {**BASE, "title": "Enlèvement à Ségou", "region": "Ségou",
                                   "locality": "Ségou", "event_type": "abduction"})
    assert [s.id for s in vault.records.search("lere")] == [lere]
    assert [s.id for s in vault.records.search("LÉRÉ")] == [lere]
    assert len(vault.records.search("segou enlevement")) == 1
    assert vault.records.search('"; DROP TABLE record; --') == []
    assert vault.records.search("") == []
    rid = vault.records.search("segou")[0].id
    vault.records.edit(rid, {"title": "Enlèvement à Niono", "locality": "Niono"})
    assert vault.records.search("niono")[0].id == rid


def test_testimony_links_and_separate_identity(vault):
    rid = vault.records.add("incident", BASE)
    tid = vault.records.add("testimony", {"witness_code": "T-MOP-001", "text": "Récit",
                                          "relation": "eyewitness", "incident_ids": [rid],
                                          "consent": ["internal"],
                                          "identity": {"name": "Nom fictif", "phone": "0"}})
    testimony = vault.records.get(tid)
    assert testimony.incident_ids == [rid]
    assert testimony.identity == {"name": "Nom fictif", "phone": "0"}
    assert "name" not in testimony.body
    assert testimony.identity_id and vault.records.get(testimony.identity_id).kind == "identity"
    vault.records.edit(tid, {"identity": {"phone": None, "home": "Sévaré"}})
    assert vault.records.get(tid).identity == {"name": "Nom fictif", "home": "Sévaré"}
    with pytest.raises(InvalidInput):
        vault.records.add("testimony", {"witness_code": "x", "text": "y",
                                        "incident_ids": ["not-an-id"]})
    with pytest.raises(InvalidInput):
        vault.records.add("testimony", {"witness_code": "x", "text": "y",
                                        "identity": {"passport": "X"}})


def test_list_filters_and_order(vault):
    ids = vault.records.add_many("incident", [
        {**BASE, "occurred_on": f"2024-0{m}-01", "region": r}
        for m, r in [(1, "Mopti"), (3, "Gao"), (2, "Mopti")]])
    listed = vault.records.list("incident")
    assert [s.id for s in listed] == [ids[1], ids[2], ids[0]]
    assert vault.records.count("incident", region="Mopti") == 2
    assert [s.id for s in vault.records.list("incident", date_from="2024-02",
                                             date_to="2024-02")] == [ids[2]]


def test_audit_chain_records_writes_and_detects_tampering(vault):
    rid = vault.records.add("incident", BASE)
    vault.records.edit(rid, {"killed_min": 21})
    verdict = audit.verify(vault.conn)
    assert verdict.ok and verdict.entries == 2
    actions = [e["action"] for e in audit.entries(vault.conn)]
    assert actions == ["edit", "create"]
    with pytest.raises(DatabaseError):
        vault.conn.execute("DELETE FROM audit")
    # Someone holding the key drops the trigger and rewrites history: verify catches it.
    vault.conn.execute("DROP TRIGGER audit_no_update")
    vault.conn.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 1")
    verdict = audit.verify(vault.conn)
    assert not verdict.ok and verdict.broken_at == 1 and verdict.reason == "hash"


def test_search_ranks_within_the_recent_window(vault, monkeypatch):
    from fieldapp import records

    monkeypatch.setattr(records, "SEARCH_WINDOW", 5)
    ids = vault.records.add_many("incident", [
        {**BASE, "title": f"Puits {i}", "description": "puits " * (1 + (i == 7) * 9)}
        for i in range(10)])
    found = [s.id for s in vault.records.search("puits")]
    assert len(found) == 5 and set(found) == set(ids[5:])  # the five newest matches
    assert found[0] == ids[7]  # ranked: the one that says it most comes first
    assert [s.id for s in vault.records.search("puits 2")] == [ids[2]]  # old, but specific


def test_whole_words_come_before_words_they_begin(vault):
    """"mine" finds the records that say "mine" first, then "minerai" and "mineurs" (a
    prefix still matches: a word half typed finds what it begins), without repeats."""
    mine = vault.records.add("incident", {**BASE, "title": "Explosion d'une mine",
                                          "description": "Une mine sur la piste."})
    ore = vault.records.add("incident", {**BASE, "title": "Attaque au site de minerai",
                                         "description": "minerai minerai minerai"})
    minors = vault.records.add("incident", {**BASE, "title": "Mineurs enlevés"})
    found = [s.id for s in vault.records.search("Mine")]
    assert found[0] == mine                     # newer and says "min…" more, still after
    assert sorted(found[1:]) == sorted([ore, minors]) and len(found) == 3
    assert [s.id for s in vault.records.search("mine", limit=1)] == [mine]
    assert [s.id for s in vault.records.search("mine", limit=2)][0] == mine
    assert {s.id for s in vault.records.search("miner")} == {ore}   # prefix only
    assert [s.id for s in vault.records.search("mine piste")] == [mine]
    assert [s.id for s in vault.records.search("mine", kind="testimony")] == []
