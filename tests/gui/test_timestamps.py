"""Moments (when a version was saved) are shown as a date and a time in the user's
language and time zone, never as a raw ISO timestamp."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from babel.dates import format_date

from fieldapp import i18n

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def paris_time(monkeypatch: pytest.MonkeyPatch):
    """This process in a time zone two hours ahead of UTC in June (POSIX rule, no tzdata)."""
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def french():
    i18n.set_language("fr")
    yield
    i18n.set_language("en")


def test_format_timestamp_in_local_time_and_language(paris_time) -> None:
    stored = "2024-06-01T12:34:56.123456+00:00"
    assert i18n.format_timestamp(stored) == "Jun 1, 2024, 2:34\u202fPM"
    i18n.set_language("fr")
    try:
        assert i18n.format_timestamp(stored) == "1 juin 2024, 14:34"
        assert i18n.format_timestamp(dt.datetime(2024, 1, 5, 8, 0)) == "5 janv. 2024, 09:00"
        assert i18n.format_timestamp("not a date") == "not a date"
    finally:
        i18n.set_language("en")


def test_history_shows_when_each_version_was_saved_in_french(qtbot, vault, french) -> None:
    from ui.history import HistoryDialog

    record_id = vault.records.add("incident", {
        "title": "Incendie du marché de Boni", "occurred_on": "2023-03-15",
        "event_type": "destruction_of_property", "region": "Mopti"})
    vault.records.edit(record_id, {"title": "Incendie du marché de Boni (Hombori)"})
    dialog = HistoryDialog(vault.records, record_id)
    qtbot.addWidget(dialog)
    versions = vault.records.history(record_id)
    assert dialog.left.count() == len(versions) == 2
    for row, version in enumerate(versions):
        saved = dt.datetime.fromisoformat(version.created_at).astimezone()
        line = dialog.left.itemText(row)
        assert not ISO.search(line), line
        assert format_date(saved.date(), "medium", locale="fr") in line, line
        assert f"{saved:%H:%M}" in line, line
        assert line.startswith(f"Version {row + 1} — "), line
    header = dialog.table.horizontalHeaderItem(2).text()
    assert not ISO.search(header), header


def test_last_sync_in_the_outbox_and_the_status_bar(qtbot, vault, ops, french) -> None:
    from tests.gui.test_main_window import FakeController
    from ui.main_window import MainWindow
    from ui.views.outbox_view import LAST_SYNC_KEY

    vault.set_setting(LAST_SYNC_KEY, "2024-06-01T12:34:56.123456+00:00")
    expected = i18n.format_timestamp("2024-06-01T12:34:56.123456+00:00")
    assert "juin 2024" in expected
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    try:
        window.show_page("outbox")
        for text in (window.outbox.last_sync.text(), window.sync_status.text()):
            assert text.endswith(expected), text
            assert not ISO.search(text), text
    finally:
        window.close()
