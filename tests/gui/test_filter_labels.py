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


@pytest.mark.parametrize(("lang", "shown"), [("fr", "18/06/2025"), ("en", "18 Jun 2025")])
def test_date_filters_write_dates_as_the_language_does(qtbot, access, lang, shown) -> None:
    from PySide6.QtCore import QDate

    from ui.views.record_list import RecordListPage

    page = RecordListPage(access, "incident")
    qtbot.addWidget(page)
    i18n.set_language(lang)
    try:
        page.retranslate()
        page.date_from.setDate(QDate(2025, 6, 18))
        assert page.date_from.text() == shown
        assert page.date_from.value() == "2025-06-18"   # the filter itself stays ISO
    finally:
        i18n.set_language("en")
