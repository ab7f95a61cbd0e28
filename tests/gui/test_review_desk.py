"""The coordinator's review desk against a REAL server process on 127.0.0.1: a monitor's
records reach the coordinator's app (lists fill by themselves after the sync, the outbox
stays empty of them); the coordinator asks for more information with a note and marks a
duplicate, in the app, with the keyboard; after syncs the monitor's app shows the note
(in "Notes from coordinators" with an unread count, and on the record) and the duplicate;
the monitor's edit puts the record back in the queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.test_main_window import FakeController
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, make_project


@pytest.fixture
def project(tmp_path: Path):
    server = start_server(tmp_path / "server-data")
    try:
        coord, (monitor,) = make_project(server, tmp_path)
        yield coord, monitor
    finally:
        server.stop()


def _window(qtbot, ops, vault):
    from ui.main_window import MainWindow

    window = MainWindow(vault=vault, profile=None, ops=ops, controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    return window


def _sync(qtbot, window) -> None:
    with qtbot.waitSignal(window.outbox.sync_finished, timeout=60_000) as blocker:
        window.sync_action.trigger()
    assert blocker.args == [True], window.outbox.phase.text()


def _select(page, title: str) -> None:
    row = next(r for r in range(page.model.rowCount())
               if page.model.summary(r).title == title)
    page.table.setFocus()
    page.select_row(row)


def test_needs_info_and_duplicate_reach_the_monitor(qtbot, ops, project, monkeypatch):
    from sync import client

    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.01")
    coord, monitor = project
    first = monitor.records.add("incident", {
        "title": "Attaque du marché de Boni", "occurred_on": "2024-05-02",
        "event_type": "attack_on_civilians", "region": "Mopti", "locality": "Boni",
        "description": "Des hommes armés ont tiré sur le marché."})
    second = monitor.records.add("incident", {
        "title": "Tirs sur le marché de Boni", "occurred_on": "2024-05-03",
        "event_type": "attack_on_civilians", "region": "Mopti", "locality": "Boni",
        "description": "Des hommes armés ont tiré sur le marché hebdomadaire."})
    assert client.sync(monitor, settings=fast_settings()).pulled

    desk = _window(qtbot, ops, coord)
    try:
        assert desk.incidents.model.total == 0  # loaded before the sync
        _sync(qtbot, desk)
        # The list shows what the sync brought, without a keystroke (issue 10, point 8).
        assert desk.incidents.model.total == 2
        desk.show_page("outbox")
        assert desk.outbox.model.total == 0  # received records are not "to send"

        desk.show_page("review")
        page = desk.pages["review"]
        assert page.model.total == 2
        assert page.model.is_new(0)  # first look: both are new
        assert page.model.summary(0).id == second  # newest first

        # Needs more information, with a note, all with the keyboard.
        _select(page, "Attaque du marché de Boni")
        assert page.panel.record.id == first
        qtbot.keyClick(page.table, Qt.Key.Key_2)
        assert page.panel.form.status() == "needs-info"
        assert page.panel.form.note.hasFocus()
        assert page.panel.save() is None  # not without saying what is needed
        assert "what is needed" in page.panel.form.message.text()
        assert page.model.total == 2
        qtbot.keyClicks(page.panel.form.note, "Combien de victimes ? ")
        page.panel.form.note.insertPlainText("Précisez l'heure.")  # QTest types ASCII only
        with qtbot.waitSignal(page.panel.reviewed, timeout=10_000):
            qtbot.keyClick(page.panel.form.note, Qt.Key.Key_Return,
                           Qt.KeyboardModifier.ControlModifier)
        assert page.model.total == 1
        assert "Needs more information" in page.panel.history.toPlainText() or \
            page.panel.record.id == second

        # The other one repeats the first: found among the candidates, side by side.
        _select(page, "Tirs sur le marché de Boni")
        qtbot.keyClick(page.table, Qt.Key.Key_4)
        assert page.panel.tabs.currentWidget() is page.panel.dup_page
        assert page.panel.candidates[0].summary.id == first
        assert "Attaque du marché de Boni" in page.panel.compare.toPlainText()
        page.panel.mark_button.click()
        assert page.panel.form.duplicate_of == first
        with qtbot.waitSignal(page.panel.reviewed, timeout=10_000):
            page.panel.form.save_button.click()
        assert page.model.total == 0
        _sync(qtbot, desk)
    finally:
        desk.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)

    field = _window(qtbot, ops, monitor)
    try:
        assert "review" not in field.pages  # the queue is for coordinators
        _sync(qtbot, field)
        notes = field.pages["notes"]
        assert notes.unread == 2
        row = [s.key for s in field.page_specs].index("notes")
        assert field.sidebar.item(row).text() == "Notes from coordinators (2)"
        field.show_page("notes")
        texts = [notes.table.item(r, 2).text() for r in range(notes.table.rowCount())]
        assert "Combien de victimes ? Précisez l'heure." in texts
        qtbot.waitUntil(lambda: notes.unread == 0, timeout=10_000)
        assert field.sidebar.item(row).text() == "Notes from coordinators"
        notes.table.selectRow(texts.index("Combien de victimes ? Précisez l'heure."))
        shown = notes.view.fields.toPlainText()
        assert "What is needed" in shown and "Précisez l'heure" in shown
        assert "Needs more information" in shown

        field.show_page("incidents")
        assert field.incidents.select(second)
        shown = field.incidents.view.fields.toPlainText()
        assert "Duplicate of" in shown and "Attaque du marché de Boni" in shown

        # The monitor answers by editing the record: back in the coordinator's queue.
        monitor.records.edit(first, {"description": "Trois morts, vers 10 h."})
        _sync(qtbot, field)
    finally:
        field.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)

    assert client.sync(coord, settings=fast_settings()).pulled
    from fieldapp.review_queue import ReviewQueue

    queue = ReviewQueue(coord.conn)
    assert [s.id for s in queue.list()] == [first]
    assert queue.list(status="needs-info")[0].id == first


def test_a_selection_is_reviewed_at_once_and_the_next_record_is_chosen(qtbot, ops, vault):
    from PySide6.QtCore import QItemSelectionModel

    from fieldapp.records import RecordStore
    from ui.desk.review_queue import ReviewQueuePage
    from ui.models.vault_access import VaultAccess

    monitor = RecordStore(vault.conn, "Kidal-3")
    for n in range(4):
        monitor.add("incident", {"title": f"Incident {n}", "occurred_on": f"2024-0{n + 1}-02",
                                 "event_type": "looting", "region": "Kidal"})
    access = VaultAccess(vault, ops)
    page = ReviewQueuePage(access)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.model.total == 4
    assert page.monitor.findData("Kidal-3") > 0  # the monitor filter knows who wrote them
    page.select_row(0)
    selection = page.table.selectionModel()
    selection.select(page.model.index(1, 0), QItemSelectionModel.SelectionFlag.Select
                     | QItemSelectionModel.SelectionFlag.Rows)
    chosen = page.chosen_ids()
    assert len(chosen) == 2 and page.panel.record is None
    assert "2 records" in page.panel.form.target.text()
    page.activateWindow()
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=5_000)
    qtbot.keyClick(page.table, Qt.Key.Key_1)
    assert page.panel.form.status() == "verified"
    with qtbot.waitSignal(page.panel.reviewed, timeout=10_000):
        assert page.panel.save() is not None, page.panel.form.message.text()
    assert page.model.total == 2
    assert not set(chosen) & {page.model.summary(r).id for r in range(2)}
    assert len(page.chosen_ids()) == 1  # the next record, ready for the next review
    qtbot.keyClick(page.table, Qt.Key.Key_J)
    assert page.table.currentIndex().row() == 1
    page.close()
    access.close()
    qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
