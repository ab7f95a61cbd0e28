"""The translator's items through a real server: an assignment of chosen fields carries
only those; the glossary reaches translators as a signed item, and a glossary term sent by
a monitor is quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import audit, glossary, translations
from fieldapp.errors import InvalidInput
from fieldapp.text import uuid7
from sync.client import SyncClient
from tests.conftest import run_cli
from tests.sync.helpers import fast_settings, make_project
from tests.sync.trust import push_crafted, quarantine_reasons

TESTIMONY = {"witness_code": "T-12", "text": "Les boutiques ont été vidées la nuit.",
             "summary": "Pillage nocturne", "language": "fr",
             "identity": {"name": "Awa Inventée"}}


def _sync(*vaults) -> None:
    for vault in vaults:
        assert SyncClient(vault, settings=fast_settings()).sync().complete


@pytest.fixture
def project(server, tmp_path: Path):
    coord, (mon, trad) = make_project(server, tmp_path, monitors=1, translator=True)
    yield coord, mon, trad
    for vault in (coord, mon, trad):
        vault.close()


def test_an_assignment_carries_only_its_fields(project) -> None:
    coord, mon, trad = project
    tes = mon.records.add("testimony", TESTIMONY)
    _sync(mon, coord)
    with pytest.raises(InvalidInput):
        translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en",
                            ["witness_code"])
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en", ["summary"])
    [mine] = translations.assignments(coord.conn)
    assert mine.fields == ["summary"] and mine.state == "assigned"
    _sync(coord, trad)
    assert trad.records.get(tes).body == {"summary": "Pillage nocturne", "language": "fr"}
    assert not trad.conn.execute("SELECT 1 FROM record WHERE kind = 'identity'").fetchone()
    [theirs] = translations.assignments(trad.conn)
    assert theirs.fields == ["summary"] and theirs.source_lang == "fr"
    translations.add_translation(trad.conn, trad.pseudonym, tes, "summary", "en",
                                 "Looting at night")
    _sync(trad, coord)
    [mine] = translations.assignments(coord.conn)
    assert mine.state == "done"
    found = translations.translations_of(coord.conn, tes)[("summary", "en")]
    assert found.text == "Looting at night" and found.translator == trad.pseudonym
    assert [s.id for s in coord.records.search("looting")] == [tes]


def test_the_glossary_reaches_translators_and_a_monitors_term_is_quarantined(
        project, tmp_path) -> None:
    coord, mon, trad = project
    assert glossary.add_starter_terms(coord.conn, coord.pseudonym) == 5
    glossary.set_term(coord.conn, coord.pseudonym, "cercle", "en", "cercle (district)",
                      "never « circle »")
    # the command line too (a coordinator's; a translator may not)
    done = run_cli(tmp_path / "coord", "glossary", "JNIM", "--to", "en", "--translation",
                   "JNIM (GSIM)", "--note", "Groupe de soutien")
    assert done.code == 0, done.err
    refused = run_cli(tmp_path / "member-1", "glossary", "JNIM", "--to", "en",
                      "--translation", "autre")
    assert refused.code == 2 and "Only a coordinator" in refused.err
    _sync(coord, trad)
    listed = run_cli(tmp_path / "member-1", "glossary", "--json")
    assert {"term": "JNIM", "to": "en", "translation": "JNIM (GSIM)",
            "note": "Groupe de soutien"} in listed.json()
    terms = {t.term: t for t in glossary.terms(trad.conn, "en")}
    assert terms["déplacés internes"].translation == "internally displaced persons"
    assert terms["cercle"].note == "never « circle »"
    term_id = uuid7()
    forged = {"type": "glossary", "record_id": term_id, "id": term_id, "term": "FAMa",
              "target_lang": "en", "translation": "the rebels", "note": "", "deleted": False,
              "editor": mon.pseudonym, "created_at": audit.now()}
    _sync(mon)  # the monitor's list of devices names the translator
    push_crafted(mon, [forged])
    # the coordinator knows the monitor and refuses the term for its sender's role; the
    # translator does not even know the monitor's device: refused too
    for vault in (coord, trad):
        report = SyncClient(vault, settings=fast_settings()).sync()
        assert report.quarantined >= 1, quarantine_reasons(vault)
    assert any("a glossary term from a monitor" in r for r in quarantine_reasons(coord)), \
        quarantine_reasons(coord)
    assert [t.translation for t in glossary.terms(coord.conn, "en") if t.term == "FAMa"] \
        == ["FAMa (Malian Armed Forces)"]
    fama = next(t for t in glossary.terms(trad.conn, "en") if t.term == "FAMa")
    assert fama.translation == "FAMa (Malian Armed Forces)"
    found = glossary.find_terms("Les FAMa et les déplacés internes du cercle",
                                glossary.terms(trad.conn, "en"))
    assert [t.term for _s, _e, t in found] == ["FAMa", "déplacés internes", "cercle"]
