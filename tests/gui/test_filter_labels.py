"""A list filter left open says "(all types)", "(all regions)"…; "(not set)" is kept for a
form field left empty (where it is true)."""

from __future__ import annotations

import pytest

from fieldapp import i18n


@pytest.fixture
def access(vault, ops):
    from ui.models.vault_access import VaultAccess

    opened = VaultAccess(vault, ops)
    yield opened
    opened.close()


ALL = {"en": ("(all types)", "(all statuses)", "(all regions)"),
       "fr": ("(tous les types)", "(tous les statuts)", "(toutes les régions)")}


@pytest.mark.parametrize(("lang", "empty"), [("en", "(not set)"), ("fr", "(non renseigné)")])
def test_filters_say_all_and_form_fields_say_not_set(qtbot, vault, access, lang,
                                                     empty) -> None:
    from ui.forms.incident import IncidentEditor
    from ui.views.record_list import RecordListPage

    vault.records.add("incident", {"title": "Attaque du marché de Boni",
                                   "occurred_on": "2023-03-15", "region": "Mopti",
                                   "event_type": "attack_on_civilians"})
    i18n.set_language(lang)
    try:
        page = RecordListPage(access, "incident")
        qtbot.addWidget(page)
        page.ensure_loaded()
        types, statuses, regions = ALL[lang]
        for box, everything in ((page.event_type, types), (page.status, statuses)):
            assert box.itemText(0) == everything, box.itemText(0)
            assert box.value() is None
            assert empty not in [box.itemText(i) for i in range(box.count())]
        assert page.region.lineEdit().placeholderText() == regions
        assert page.model.total == 1   # nothing chosen: no filter, every record

        editor = IncidentEditor(access)
        qtbot.addWidget(editor)
        assert editor.event_type.itemText(0) == empty
    finally:
        i18n.set_language("en")


def test_all_follows_a_language_switch(qtbot, access) -> None:
    from ui.views.record_list import RecordListPage

    page = RecordListPage(access, "person")
    qtbot.addWidget(page)
    page.status.set_value("verified")
    i18n.set_language("fr")
    try:
        page.retranslate()
        assert page.status.itemText(0) == "(tous les statuts)"
        assert page.status.value() == "verified"
    finally:
        i18n.set_language("en")
