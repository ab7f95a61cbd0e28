"""The report document (no Qt): what is left out, coarsened, masked and listed."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from fieldapp.errors import NotJoined, ReportTooLarge, RoleRequired
from fieldapp.report import Options, build
from fieldapp.report import document as document_module
from tests.report.conftest import (
    IDENTITY_MARKERS,
    IDENTITY_NAME,
    PERSON_NAME,
    PROTECTION,
    member,
)


def words(doc) -> str:
    return json.dumps(asdict(doc), ensure_ascii=False)


def test_default_report_has_codes_but_no_identity(filled) -> None:
    doc = build(filled.vault, Options(lang="en"))
    text = words(doc)
    for marker in (*IDENTITY_MARKERS, PERSON_NAME):
        assert marker not in text
    assert "T-MPT-101" in text and "V-MPT-007" in text
    assert filled.vault.pseudonym not in text          # monitors' pseudonyms left out
    assert "Sévaré-Marqueur" in text                   # places as recorded by default
    assert not doc.contains_identity
    assert [s.title for s in doc.incidents][0].startswith("Arrestations")
    assert len(doc.incidents) == 3 and doc.testimony_count == 1


def test_originals_sha256_are_listed_for_custody(filled) -> None:
    doc = build(filled.vault, Options(lang="en"))
    assert [f.sha256_original for f in doc.custody] == [filled.sha256]
    assert doc.custody[0].owner == "Incident 1" and doc.custody[0].original_kept
    assert doc.incidents[0].files[0].sha256_original == filled.sha256


def test_coarsened_places_keep_the_cercle_only(filled) -> None:
    doc = build(filled.vault, Options(lang="en", coarsen_places=True))
    text = words(doc)
    assert "Sévaré-Marqueur" not in text and "Socoura-Marqueur" not in text
    assert "14.53" not in text
    assert "[place withheld]" in doc.incidents[0].title
    gao = doc.incidents[1]
    cercle = next(r.text for r in gao.rows if r.label == "Cercle")
    assert cercle == "Ansongo"         # from the gazetteer: Ansongo's cercle
    assert any("coarsened to the cercle" in line for line in doc.redaction)


def test_names_masked_from_identities_and_the_list(filled) -> None:
    doc = build(filled.vault, Options(lang="fr", mask_names=True, names=("Moussa Traoré",)))
    text = words(doc)
    testimony = doc.incidents[0].testimonies[0].text
    assert "Aminata" not in testimony and "Dembélé" not in testimony
    assert "Oumar" not in testimony                  # a part of a person's identity name
    assert "Moussa" not in text and "Traoré" not in text
    assert testimony.count("[nom masqué]") == 3
    assert "Ké-Macina" in testimony                  # places are not names
    assert any("masqué" in line for line in doc.redaction)


def test_identities_need_a_coordinator(filled) -> None:
    with pytest.raises(NotJoined):
        build(filled.vault, Options(with_identities=True))
    member(filled.vault, "monitor")
    with pytest.raises(RoleRequired):
        build(filled.vault, Options(with_identities=True))


def test_a_coordinator_gets_identities_when_asked(filled) -> None:
    member(filled.vault, "coordinator")
    doc = build(filled.vault, Options(lang="en", with_identities=True))
    text = words(doc)
    for marker in (*IDENTITY_MARKERS, PERSON_NAME):
        assert marker in text
    assert doc.contains_identity
    assert PROTECTION in text
    assert IDENTITY_NAME in [r.text for r in doc.incidents[0].testimonies[0].identity]


def test_filters_choose_the_incidents(filled) -> None:
    doc = build(filled.vault, Options(filters={"perpetrator": "armed_forces",
                                               "date_from": "2023-03"}))
    assert [s.title for s in doc.incidents] == ["Arrestations au marché de Sévaré-Marqueur",
                                                "Frappe de drone"]
    doc = build(filled.vault, Options(filters={"region": "Gao"}))
    assert [s.title for s in doc.incidents] == ["Village pillé"]


def test_too_many_incidents_is_one_clear_error(filled, monkeypatch) -> None:
    monkeypatch.setattr(document_module, "REPORT_LIMIT", 2)
    with pytest.raises(ReportTooLarge) as caught:
        build(filled.vault, Options())
    assert caught.value.params == {"count": 3, "limit": 2}


def test_french_words_in_a_french_report(filled) -> None:
    doc = build(filled.vault, Options(lang="fr"))
    assert doc.title == "Rapport d’incidents"
    assert doc.words["summary"] == "Résumé"
    assert doc.summary_header[0] == "Type d’événement"
