"""The receiver authorizes every item, not only its signature (issue: trust, point 2).

Enrolled, approved but malicious devices push well-signed items they may not send,
through a real server; the receivers quarantine them with their reason (in `fieldapp
status` and the audit log) and apply nothing of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fieldapp import audit, outbox, translations
from fieldapp.membership import membership
from fieldapp.records import version_hash
from fieldapp.text import uuid7
from sync.client import SyncClient
from tests.conftest import run_cli
from tests.sync.helpers import fast_settings, make_project
from tests.sync.trust import audit_quarantines, push_crafted, quarantine_reasons

INCIDENT = {"title": "Pillage du marché de Léré", "occurred_on": "2024-06-03",
            "event_type": "looting", "description": "Des boutiques pillées."}
TESTIMONY = {"witness_code": "T-12", "text": "Les boutiques ont été vidées la nuit.",
             "summary": "Pillage nocturne", "language": "fr"}


def _sync(*vaults) -> None:
    for vault in vaults:
        assert SyncClient(vault, settings=fast_settings()).sync().complete


def _review(record_id: str, head: str, reviewer: str, **extra) -> dict:
    return {"type": "review", "id": uuid7(), "record_id": record_id, "version_hash": head,
            "status": "verified", "duplicate_of": None, "confidence": "high",
            "note": "", "reviewer": reviewer, "created_at": audit.now(), **extra}


@pytest.fixture
def project(server, tmp_path: Path):
    coord, (mon, mon2, trad) = make_project(server, tmp_path, monitors=2, translator=True)
    yield coord, mon, mon2, trad
    for vault in (coord, mon, mon2, trad):
        vault.close()


def test_a_monitor_can_not_review_even_in_a_coordinators_name(project, tmp_path) -> None:
    coord, mon, _mon2, _trad = project
    rid = mon.records.add("incident", INCIDENT)
    _sync(mon, coord)
    head = mon.records.get(rid).head
    results = push_crafted(mon, [_review(rid, head, "Coord-1"),      # someone else's name
                                 _review(rid, head, mon.pseudonym)])  # its own name
    assert [r.status for r in results][-2:] == ["stored", "stored"]  # the server can't tell
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.quarantined == 2
    assert coord.records.get(rid).status != "verified"
    assert not coord.conn.execute("SELECT 1 FROM review").fetchone()
    reasons = quarantine_reasons(coord)
    assert any("the name it gives is not its sender's" in r for r in reasons), reasons
    assert any("a review from a monitor" in r for r in reasons), reasons
    assert {a["sender"] for a in audit_quarantines(coord)} == {
        membership(mon.conn).device_id}
    coord.close()
    status = run_cli(tmp_path / "coord", "status", rid)
    assert status.code == 0, status.err
    assert "refused and put aside" in status.out and "a review sent by a monitor" in status.out
    french = run_cli(tmp_path / "coord", "status", rid, FIELDAPP_LANG="fr")
    assert "Traceback" not in french.err and "review" not in french.out.lower(), french.out


def test_a_translator_can_not_rewrite_a_monitors_testimony(project) -> None:
    coord, mon, _mon2, trad = project
    tes = mon.records.add("testimony", TESTIMONY)
    _sync(mon, coord)
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en")
    _sync(coord, trad)
    original = coord.records.get(tes)
    body = {**original.body, "text": "Rien ne s'est passé."}
    created = audit.now()
    forged = {"type": "version", "record_id": tes, "parent": original.head,
              "kind": "testimony", "author": mon.pseudonym, "created_at": created,
              "body": body, "owner": None, "links": [],
              "hash": version_hash(tes, "testimony", original.head, mon.pseudonym, created,
                                   body)}
    as_itself = {**forged, "author": trad.pseudonym,
                 "hash": version_hash(tes, "testimony", original.head, trad.pseudonym,
                                      created, body)}
    push_crafted(trad, [forged, as_itself])
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.quarantined == 2
    assert coord.records.get(tes).body["text"] == TESTIMONY["text"]
    assert len(coord.records.history(tes)) == 1
    reasons = quarantine_reasons(coord)
    assert any("the name it gives is not its sender's" in r for r in reasons), reasons
    assert any("a record version from a translator" in r for r in reasons), reasons


def test_translations_only_from_the_assignee_for_what_was_assigned(project) -> None:
    coord, mon, mon2, trad = project
    tes = mon.records.add("testimony", TESTIMONY)
    other = mon.records.add("testimony", {**TESTIMONY, "witness_code": "T-13"})
    _sync(mon, coord)
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en")
    _sync(coord, trad)
    base = {"type": "translation", "record_id": tes, "field": "text", "source_lang": "fr",
            "target_lang": "en", "text": "The shops were emptied at night.",
            "translator": trad.pseudonym, "status": "done", "created_at": audit.now()}
    good = {**base, "id": uuid7()}
    bad = [{**base, "id": uuid7(), "target_lang": "fr"},             # not the assigned language
           {**base, "id": uuid7(), "record_id": other},              # not assigned at all
           {**base, "id": uuid7(), "field": "witness_code"},         # not an assigned field
           {**base, "id": uuid7(), "created_at": (dt.datetime.now(dt.UTC) + dt.timedelta(
               days=3)).isoformat()}]                                # dated in the future
    push_crafted(trad, [good, *bad])
    push_crafted(mon2, [{**base, "id": uuid7(), "translator": mon2.pseudonym}])  # a monitor
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.quarantined == 5, quarantine_reasons(coord)
    rows = coord.conn.execute("SELECT record_id, field, target_lang FROM translation"
                              ).fetchall()
    assert rows == [(tes, "text", "en")]
    reasons = " | ".join(quarantine_reasons(coord))
    assert "not assigned to this translator" in reasons
    assert "dated in the future" in reasons
    assert "a translation from a monitor" in reasons


def test_versions_of_someone_elses_record_and_fake_assignments(project) -> None:
    coord, mon, mon2, trad = project
    rid = mon.records.add("incident", INCIDENT)
    _sync(mon, coord)
    head = coord.records.get(rid)
    body = {**head.body, "title": "Titre changé par un autre"}
    created = audit.now()
    takeover = {"type": "version", "record_id": rid, "parent": head.head, "kind": "incident",
                "author": mon2.pseudonym, "created_at": created, "body": body, "owner": None,
                "links": [], "hash": version_hash(rid, "incident", head.head, mon2.pseudonym,
                                                  created, body)}
    assignment = {"type": "assignment", "id": uuid7(), "record_id": rid,
                  "translator": trad.pseudonym,
                  "translator_device": __import__("fieldapp.membership", fromlist=["x"])
                  .membership(trad.conn).device_id, "target_lang": "en",
                  "assigned_by": mon2.pseudonym, "created_at": created, "kind": "incident",
                  "fields": {"title": "x"}}
    push_crafted(mon2, [takeover, assignment])
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.quarantined == 2
    assert coord.records.get(rid).body["title"] == INCIDENT["title"]
    reasons = " | ".join(quarantine_reasons(coord))
    assert "a version of another device's record" in reasons
    assert "an assignment from a monitor" in reasons
    # the real author's edit still goes through
    mon.records.edit(rid, {"title": "Titre corrigé par l'auteur"})
    _sync(mon, coord)
    assert coord.records.get(rid).body["title"] == "Titre corrigé par l'auteur"
    assert outbox.record_state(mon.conn, rid)["state"] == "sent"
