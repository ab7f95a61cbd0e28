"""Catalogs stay true to the code; formatting follows the language."""

from __future__ import annotations

import datetime as dt

from fieldapp import i18n
from fieldapp.tools import catalog


def test_template_is_current_and_french_is_complete():
    problems = catalog.problems()
    assert problems == [], "\n".join(problems[:40]) + f"\n… {len(problems)} problems"


def test_pseudo_locale_marks_strings_and_keeps_placeholders():
    i18n.set_language("qps")
    text = i18n._("Nothing found with id {id}.").format(id="abc")
    assert text.startswith("⟦") and text.endswith("⟧") and "abc" in text


def test_dates_and_numbers_by_locale():
    i18n.set_language("fr")
    assert i18n.format_date(dt.date(2025, 6, 18)) == "18 juin 2025"
    assert i18n.format_date("2025-06", "month") == "juin 2025"
    assert i18n.format_number(12345.5) == "12\u202f345,5"
    i18n.set_language("en")
    assert i18n.format_date(dt.date(2025, 6, 18)) == "Jun 18, 2025"
    assert i18n.format_number(12345.5) == "12,345.5"


def test_language_listeners_and_fallback():
    seen = []
    i18n.on_language_change(seen.append)
    try:
        assert i18n.set_language("de") == "en"  # unknown: English, already current
        i18n.set_language("fr")
        i18n.set_language("fr")  # no switch, no retranslation
        i18n.set_language("en")
    finally:
        i18n.remove_language_listener(seen.append)
    assert seen == ["fr", "en"]
