"""Every draft left unsaved is offered back (not only the latest): a short list with each
draft's title (or "untitled") and when it was last saved; one can be restored or
discarded, with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp import drafts, i18n
from fieldapp.text import uuid7
from tests.gui.test_main_window import FakeController, incident

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def window(qtbot, vault, ops):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                     controller=FakeController(ops))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def save(vault, kind: str, data: dict, record_id: str | None = None) -> str:
    draft_id = uuid7()
    drafts.save_draft(vault.conn, draft_id, kind, record_id, {"data": data, "files": []})
    return draft_id


def ids(vault, kind: str = "incident") -> set[str]:
    return {d.id for d in drafts.list_drafts(vault.conn, kind, None)}


def test_every_unsaved_draft_is_offered_and_one_is_restored_by_keyboard(qtbot, vault,
                                                                         window):
    record_id = vault.records.add("incident", incident(1))
    save(vault, "incident", {"description": "Rien que des notes"}, record_id)  # an edit
    save(vault, "testimony", {"witness_code": "T-GAO-004"})                  # other kind
    first = save(vault, "incident", {"title": "Enlèvement près de Ménaka"})
    untitled = save(vault, "incident", {"description": "Des hommes armés à moto"})
    latest = save(vault, "incident", {"title": "Pillage du marché de Boni"})

    editor = window.new_record("incident")
    qtbot.waitExposed(editor)
    offer = editor.offer
    assert offer.isVisible()
    lines = [offer.list.item(i).text() for i in range(offer.list.count())]
    assert len(lines) == 3, lines               # the three new-incident drafts, newest first
    assert lines[0].startswith("Pillage du marché de Boni — ")
    assert lines[1].startswith("(untitled) — ")
    assert lines[2].startswith("Enlèvement près de Ménaka — ")
    assert all("last saved" in line and not ISO.search(line) for line in lines), lines
    assert "3 drafts" in offer.text.text()
    assert editor.title_edit.text() == ""       # offered, not imposed

    editor.activateWindow()                     # the keyboard starts on the list
    qtbot.waitUntil(lambda: QApplication.focusWidget() is offer.list, timeout=5000)
    assert offer.list.currentRow() == 0
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert editor.title_edit.text() == "Enlèvement près de Ménaka"
    assert QApplication.focusWidget() is editor.title_edit   # back to typing
    assert not editor.message.isVisible()       # Enter restored; it did not press Save
    assert not any(row.error.isVisible() for row in editor.rows.values())
    assert editor.draft_id == first
    assert not offer.isVisible()
    assert ids(vault) == {first, untitled, latest}   # the others are still kept

    # A second form offers the rest, never the draft the first form is now writing.
    second = window.new_record("incident")
    qtbot.waitExposed(second)
    lines = [second.offer.list.item(i).text() for i in range(second.offer.list.count())]
    assert len(lines) == 2 and not any("Ménaka" in line for line in lines), lines
    assert second.offer.list.currentRow() == 0
    second.offer.discard_button.click()          # discards the latest one
    qtbot.waitUntil(lambda: latest not in ids(vault), timeout=5000)
    assert second.offer.isVisible() and second.offer.list.count() == 1
    qtbot.keyClick(second.offer.discard_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: untitled not in ids(vault), timeout=5000)
    assert not second.offer.isVisible()
    assert ids(vault) == {first}
    second.close()
    editor.discard_draft()


def test_the_offer_follows_the_language(qtbot, vault, window):
    save(vault, "person", {"code": "V-MOP-031"})
    editor = window.new_record("person")
    i18n.set_language("fr")
    try:
        window.controller.language_changed.emit("fr")
        editor.retranslate()
        line = editor.offer.list.item(0).text()
        assert line.startswith("V-MOP-031 — ") and "enregistré" in line, line
        assert not ISO.search(line)
        assert editor.offer.restore_button.text() == "&Restaurer le brouillon"
    finally:
        i18n.set_language("en")
    editor.discard_offered_draft()
    editor.close()


def test_two_open_forms_never_take_the_same_draft(qtbot, vault, window):
    """Both forms offer the same drafts; once one form restores a draft, or discards one,
    the other stops offering it, so two forms never write into the same draft."""
    kept = save(vault, "incident", {"title": "Attaque du convoi de Boulkessi"})
    thrown = save(vault, "incident", {"title": "Incendie de greniers à Dinangourou"})
    first = window.new_record("incident")
    second = window.new_record("incident")
    assert {d.id for d in second.offer.drafts} == {kept, thrown}

    first.offer.list.setCurrentRow([d.id for d in first.offer.drafts].index(kept))
    first.restore_offered_draft()
    assert first.draft_id == kept
    assert [d.id for d in second.offer.drafts] == [thrown]
    assert second.offer.list.count() == 1
    assert "Dinangourou" in second.offer.list.item(0).text()
    assert "A draft of this form" in second.offer.text.text()

    third = window.new_record("incident")
    assert [d.id for d in third.offer.drafts] == [thrown]
    third.discard_offered_draft()
    qtbot.waitUntil(lambda: thrown not in ids(vault), timeout=5000)
    assert second.offer.drafts == [] and not second.offer.isVisible()
    second.restore_offered_draft()                  # nothing left to take
    assert second.draft_id not in (kept, thrown)
    for editor in (third, second):
        editor.close()
    first.discard_draft()
