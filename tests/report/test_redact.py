"""Masking names in free text: accents and case ignored, whole words only, parts too."""

from __future__ import annotations

from fieldapp.report.redact import Masker, identity_names


def test_names_are_masked_whatever_the_accents_and_case() -> None:
    mask = Masker(["Aminata Dembélé"], "[X]")
    assert mask("AMINATA DEMBELE est venue.") == "[X] est venue."
    assert mask("Aminata  Dembélé, puis Dembele seule.") == "[X], puis [X] seule."
    assert mask("Aminata a parlé.") == "[X] a parlé."
    assert mask.count == 3          # the whole name and its two words


def test_only_whole_words_and_text_around_kept() -> None:
    mask = Masker(["Ali Ag Intalla", "Fatou"], "[X]")
    # "Ag" is too short to mask alone; "Alimata" is another name; accents kept around.
    assert mask("Alimata et Ag ont vu Intalla à Léré. Fatoumata aussi.") == (
        "Alimata et Ag ont vu [X] à Léré. Fatoumata aussi.")
    assert mask("Ali Ag Intalla.") == "[X]."


def test_no_names_changes_nothing() -> None:
    mask = Masker([], "[X]")
    assert not mask
    assert mask("Aminata") == "Aminata"


def test_identity_records_give_their_names(vault) -> None:
    vault.records.add("testimony", {"witness_code": "T-1", "text": "x",
                                    "identity": {"name": "Nom Fictif", "phone": "1"}})
    vault.records.add("person", {"code": "V-1", "identity": {"phone": "2"}})
    assert identity_names(vault.conn) == ["Nom Fictif"]
