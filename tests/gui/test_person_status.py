"""A person's status is said of ONE person ("Personne tuée", "Personne disparue": no
"Tué(e)", which the French checks refuse), never with the plural
labels of the victim counts ("Tués"), and it is not confused with the record's review
status."""

from __future__ import annotations

import pytest

from fieldapp import i18n, model


@pytest.fixture
def french():
    i18n.set_language("fr")
    yield
    i18n.set_language("en")


def test_person_status_words_differ_from_the_victim_count_words(french) -> None:
    from ui.forms.labels import COUNT_LABELS

    for code in set(model.PERSON_STATUSES) & set(COUNT_LABELS):
        status = i18n._(model.PERSON_STATUSES[code])
        count = i18n._(COUNT_LABELS[code])
        assert status != count, (code, status)
    assert i18n._(model.PERSON_STATUSES["killed"]) == "Personne tuée"
    assert i18n._(model.PERSON_STATUSES["missing"]) == "Personne disparue"
    assert i18n._(COUNT_LABELS["killed"]) == "Personnes tuées"


def test_person_form_and_record_view_show_singular_status(qtbot, vault, ops, french) -> None:
    from ui.forms.person import PersonEditor
    from ui.models.vault_access import VaultAccess
    from ui.views.record_view import RecordView

    access = VaultAccess(vault, ops)
    try:
        editor = PersonEditor(access)
        qtbot.addWidget(editor)
        status_box = editor.rows["status"].widget
        words = [status_box.itemText(i) for i in range(status_box.count())]
        assert "Personne tuée" in words and "Personne enlevée" in words, words
        assert not {"Tués", "Blessés", "Disparus", "Détenus"} & set(words), words
        assert editor.rows["status"].label.text() == "Situation\u202f:"

        record_id = vault.records.add("person", {"code": "V-MOP-031", "role": "victim",
                                                 "status": "abducted"})
        view = RecordView(access)
        qtbot.addWidget(view)
        rows = dict(view.rows(vault.records.get(record_id)))
        assert rows["Situation"] == "Personne enlevée", rows
        assert rows["Statut"] == "Nouveau", rows   # the review status, apart
        labels = [label for label, _text in view.rows(vault.records.get(record_id))]
        assert len(labels) == len(set(labels)), labels
    finally:
        access.close()
