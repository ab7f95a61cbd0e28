"""Forms save what the monitor meant: a full date typed stays a day, a town chosen fills
its place (never the suggestion's label), a precision from an old place goes with it, the
cursor goes to the field in error, and the first run's keyboard path and recovery check
speak up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp.records import RecordStore
from tests.gui.conftest import PSEUDONYM
from tests.gui.test_forms import fill_minimum, window  # noqa: F401 - a fixture
from ui.first_run import FirstRunWindow


def test_a_full_date_typed_key_by_key_stays_a_day(qtbot, vault, window):  # noqa: F811
    editor = window.new_record("incident")
    fill_minimum(editor, date="")
    editor.date.edit.setFocus()
    qtbot.keyClicks(editor.date.edit, "2024-04-02")
    assert editor.date.precision_value() == "day"
    with qtbot.waitSignal(editor.saved, timeout=10_000) as blocker:
        editor.save_button.click()
    body = RecordStore(vault.conn, vault.pseudonym).get(blocker.args[0]).body
    assert body["occurred_on"] == "2024-04-02" and body["date_precision"] == "day"


def test_a_coarser_precision_chosen_by_hand_is_kept(qtbot, window):  # noqa: F811
    editor = window.new_record("incident")
    combo = editor.date.precision
    combo.setCurrentIndex(combo.findData("month"))
    combo.activated.emit(combo.currentIndex())  # as a click in the list does
    qtbot.keyClicks(editor.date.edit, "2024-04-02")
    assert editor.date.precision_value() == "month"
    editor.date.edit.clear()
    qtbot.keyClicks(editor.date.edit, "2024")
    assert editor.date.precision_value() == "year"  # a year alone is a year
    editor.discard_draft()


def _suggest(qtbot, editor, text: str) -> list[str]:
    editor.place.clear()
    editor.place.setFocus()
    qtbot.keyClicks(editor.place, text)
    return editor.place.refresh_suggestions()


def test_towns_cercles_and_regions_are_distinct_choices(qtbot, window):  # noqa: F811
    editor = window.new_record("incident")
    for typed, name in (("Tombou", "Tombouctou"), ("Gao", "Gao")):
        lines = _suggest(qtbot, editor, typed)
        kinds = [line for line in lines if line.startswith(name + " — ")]
        assert len(kinds) == 3, lines
        assert any("town" in line for line in kinds)
        assert any("cercle" in line for line in kinds)
        assert any("region" in line for line in kinds)
    town = next(line for line in _suggest(qtbot, editor, "Gao")
                if line.startswith("Gao — town"))
    editor.place.choose(town)
    assert editor.place.text() == "Gao"
    assert editor.cercle.text() == "Gao" and editor.region.text() == "Gao"
    assert editor.latitude.text() and editor.longitude.text()
    assert editor.geo_precision.value() == "near"
    editor.discard_draft()


def test_the_label_never_goes_into_the_field(qtbot, window):  # noqa: F811
    """Chosen in the real popup with the keyboard, "Léré" is written as "Léré"."""
    editor = window.new_record("incident")
    editor.activateWindow()
    _suggest(qtbot, editor, "Ler")  # QTest types ASCII only; accents are ignored
    popup = editor.place.completer_.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    assert editor.place.text() == "Léré"  # highlighting writes the name alone too
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert editor.place.text() == "Léré"
    assert (editor.cercle.text(), editor.region.text()) == ("Niafunké", "Tombouctou")
    assert editor.geo_precision.value() == "near"
    editor.discard_draft()


def test_changing_the_place_resets_what_the_old_place_set(qtbot, window):  # noqa: F811
    editor = window.new_record("incident")
    lere = next(line for line in _suggest(qtbot, editor, "Lere") if "town" in line)
    editor.place.choose(lere)
    assert editor.geo_precision.value() == "near"
    region = next(line for line in _suggest(qtbot, editor, "Gao")
                  if line.startswith("Gao — region"))
    editor.place.choose(region)
    assert editor.region.text() == "Gao"
    assert editor.place.text() == "" and editor.cercle.text() == ""
    assert editor.latitude.text() == "" and editor.longitude.text() == ""
    assert editor.geo_precision.value() == "region"
    town = next(line for line in _suggest(qtbot, editor, "Ansongo") if "town" in line)
    editor.place.choose(town)
    assert editor.geo_precision.value() == "near", "the region's precision went with it"
    # retyping the locality by hand: the old town's point and precision go
    editor.place.selectAll()
    qtbot.keyClicks(editor.place, "Dioura")
    assert editor.latitude.text() == "" and editor.geo_precision.value() is None
    editor.discard_draft()


def test_a_precision_chosen_by_hand_stays_when_a_town_is_chosen(qtbot, window):  # noqa: F811
    editor = window.new_record("incident")
    editor.geo_precision.set_value("exact")
    editor.latitude.setText("15.7")
    editor.longitude.setText("-4.9")
    editor.place.choose(next(line for line in _suggest(qtbot, editor, "Lere")
                             if "town" in line))
    assert editor.geo_precision.value() == "exact"
    assert (editor.latitude.text(), editor.longitude.text()) == ("15.7", "-4.9")
    editor.discard_draft()


def test_the_cursor_goes_to_the_field_in_error(qtbot, window):  # noqa: F811
    editor = window.new_record("incident")
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    fill_minimum(editor)
    editor.counts.boxes["killed_min"].setValue(1)
    editor.counts.boxes["killed_max"].setValue(2)
    editor.counts.boxes["injured_min"].setValue(5)
    editor.counts.boxes["injured_max"].setValue(2)
    assert editor.save() is None
    assert "Injured" in editor.rows["_counts"].error.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    focused = QApplication.focusWidget()
    assert editor.counts.boxes["injured_max"].isAncestorOf(focused) or \
        focused is editor.counts.boxes["injured_max"], focused
    editor.counts.boxes["injured_max"].setValue(6)
    editor.date.edit.setText("2024-03")
    editor.date.precision.set_value("day")
    assert editor.save() is None
    focused = QApplication.focusWidget()
    assert focused is editor.date.precision or editor.date.precision.isAncestorOf(focused)
    editor.discard_draft()


def _create_page(qtbot, shell_factory) -> FirstRunWindow:
    shell = shell_factory()
    first = shell.start()
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow)
    first.show_create()
    return first


def test_first_run_tab_goes_from_passphrase_to_its_confirmation(qtbot, shell_factory):
    first = _create_page(qtbot, shell_factory)
    assert first.pseudonym.hasFocus()
    qtbot.keyClicks(first.pseudonym, PSEUDONYM)
    qtbot.keyClick(first.pseudonym, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is first.passphrase.first
    qtbot.keyClick(first.passphrase.first, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is first.passphrase.second
    qtbot.keyClick(first.passphrase.second, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() in (first.create_ok, first.create_back)


def test_a_wrong_recovery_group_says_so(qtbot, shell_factory):
    first = _create_page(qtbot, shell_factory)
    qtbot.keyClicks(first.pseudonym, PSEUDONYM)
    qtbot.keyClicks(first.passphrase.first, "correct horse battery staple")
    qtbot.keyClicks(first.passphrase.second, "correct horse battery staple")
    first.submit_create()
    qtbot.waitUntil(lambda: first.stack.currentWidget() is first.recovery_page,
                    timeout=20_000)
    last = first.recovery_key.text().rsplit("-", 1)[1]
    wrong = "ZZZZ" if last != "ZZZZ" else "YYYY"
    qtbot.keyClicks(first.recovery_check, wrong[:2])
    assert not first.recovery_wrong.isVisible()  # still typing
    qtbot.keyClick(first.recovery_check, Qt.Key.Key_Return)
    assert first.recovery_wrong.isVisible() and first.recovery_wrong.text()
    first.recovery_check.clear()
    qtbot.keyClicks(first.recovery_check, wrong)
    assert first.recovery_wrong.isVisible()
    assert "last group" in first.recovery_wrong.text()
    first.recovery_check.clear()
    qtbot.keyClicks(first.recovery_check, last)
    assert not first.recovery_wrong.isVisible() and first.recovery_ok.isEnabled()
