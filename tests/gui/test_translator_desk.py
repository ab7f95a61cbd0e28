"""Acceptance (issue 11): the translator's desk against a REAL server process. A coordinator
assigns two fields of a testimony in the app; the translator's app shows the assignment, a
translation-memory suggestion is taken for one sentence, both fields are sent; after syncs
the coordinator's app shows them beside the original, and so does the app of the monitor
who wrote the testimony; the translator's store holds no identity."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fieldapp import translations
from fieldapp.profile import Profile
from sync.client import SyncClient
from tests.conftest import PASSPHRASE
from tests.gui.test_main_window import FakeController
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, make_project

NAME = "Aminata Inventée"
EARLIER = ("Les hommes armés sont arrivés à l'aube au marché de Dialloubé. "
           "Ils ont pillé les boutiques.")
EARLIER_EN = "The armed men arrived at dawn at the Dialloubé market. They looted the shops."
TEXT = ("Les hommes armés sont arrivés à l'aube au marché de Boni. "
        "Les déplacés internes ont fui vers Sévaré.")
SUMMARY = "Attaque du marché de Boni"


@pytest.fixture
def project(tmp_path: Path):
    server = start_server(tmp_path / "server-data")
    try:
        coord, (mon, trad) = make_project(server, tmp_path, monitors=1, translator=True)
        earlier = mon.records.add("testimony", {"witness_code": "T-01", "text": EARLIER,
                                                "language": "fr"})
        testimony = mon.records.add("testimony", {
            "witness_code": "T-02", "text": TEXT, "summary": SUMMARY, "language": "fr",
            "identity": {"name": NAME, "phone": "+22376000111"}})
        for vault in (mon, coord):
            assert SyncClient(vault, settings=fast_settings()).sync().complete
        # an earlier translation, made with the CLI's core: the translation memory's source
        translations.assign(coord.conn, coord.pseudonym, earlier, trad.pseudonym, "en")
        for vault in (coord, trad):
            assert SyncClient(vault, settings=fast_settings()).sync().complete
        translations.add_translation(trad.conn, trad.pseudonym, earlier, "text", "en",
                                     EARLIER_EN)
        for vault in (trad, coord):
            assert SyncClient(vault, settings=fast_settings()).sync().complete
            vault.close()
        mon.close()
        yield tmp_path / "coord", tmp_path / "member-1", testimony, tmp_path / "member-0"
    finally:
        server.stop()


def _window(qtbot, ops, path: Path):
    from ui.main_window import MainWindow

    vault = Profile(path).unlock(PASSPHRASE, check_same_thread=False)
    window = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                        controller=FakeController(ops))
    qtbot.addWidget(window)
    window.show()
    return window, vault


def _sync(qtbot, window) -> None:
    with qtbot.waitSignal(window.outbox.sync_finished, timeout=60_000) as blocker:
        window.sync_now()
    assert blocker.args == [True], window.outbox.phase.text()


def _close(qtbot, ops, window, vault) -> None:
    window.close()
    qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
    vault.close()


def test_assign_translate_with_memory_send_and_see_beside_the_original(
        qtbot, ops, project, monkeypatch) -> None:
    monkeypatch.setenv("FIELDAPP_SYNC_ATTEMPTS", "2")
    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.01")
    coord_path, trad_path, testimony, mon_path = project

    # --- the coordinator assigns two fields, in the app -----------------------------------
    window, vault = _window(qtbot, ops, coord_path)
    try:
        assert "assignments" in [s.key for s in window.page_specs]
        window.show_page("assignments")
        page = window.pages["assignments"]
        assert [a.state for a in page.table.assignments] == ["done"]  # the earlier one
        glossary = page.edit_glossary()
        qtbot.mouseClick(glossary.starter_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(glossary.terms) == 5, timeout=10_000)
        glossary.close()
        dialog = page.assign()
        labels = [dialog.records.item(r).text() for r in range(dialog.records.count())]
        # named by witness code and summary; the earlier one says it is assigned already
        assert labels == [f"T-02 — {SUMMARY}", "T-01 (already assigned: English)"], labels
        dialog.filter.setText("boni")
        assert [dialog.records.item(r).isHidden() for r in range(2)] == [False, True]
        dialog.filter.clear()
        dialog.choose([testimony])
        dialog.fields["description"].setChecked(False)
        dialog.fields["title"].setChecked(False)
        assert dialog.translator.currentText() == "Translator-1"
        with qtbot.waitSignal(dialog.assigned, timeout=10_000):
            qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
        mine = page.table.assignments[0]
        assert (mine.record_id, mine.fields, mine.state) == (testimony, ["text", "summary"],
                                                             "assigned")
        assert page.table.item(0, 5).text() == "Assigned"
        _sync(qtbot, window)
    finally:
        _close(qtbot, ops, window, vault)

    # --- the translator's app: the assignment, the memory, the glossary, send ----------
    window, vault = _window(qtbot, ops, trad_path)
    try:
        keys = [s.key for s in window.page_specs]
        assert keys[0] == "my_assignments"
        assert not {"incidents", "testimonies", "people"} & set(keys)  # no identity widget
        assert not window.new_testimony_action.isVisible()
        _sync(qtbot, window)
        page = window.pages["my_assignments"]
        window.show_page("my_assignments")
        assignment = page.table.assignments[0]
        assert assignment.record_id == testimony and assignment.fields == ["text", "summary"]
        assert page.table.item(0, 1).text() == "French → English"
        editor = page.open_assignment(assignment)
        qtbot.addWidget(editor)
        text, summary = editor.sections
        assert text.source_labels[0].toHtml().count("term:") == 1  # « déplacés internes »
        qtbot.mouseClick(text.edits[0], Qt.MouseButton.LeftButton)
        text.edits[0].setFocus()
        qtbot.waitUntil(lambda: bool(editor.suggestions.suggestions), timeout=5_000)
        best = editor.suggestions.suggestions[0]
        assert best.target == "The armed men arrived at dawn at the Dialloubé market."
        assert 75 <= best.score < 100
        assert "Dialloubé" in [best.source[s:e] for s, e in best.differing]
        qtbot.keyClick(text.edits[0], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        taken = text.edits[0].toPlainText()
        assert taken.startswith("The armed men arrived at dawn at the Dialloubé market.")
        text.edits[0].setPlainText(taken.replace("Dialloubé", "Boni")
                                   + "The internally displaced fled to Sévaré.")
        assert text.state_key() == "draft"
        summary.edits[0].setPlainText("Attack on the Boni market")
        qtbot.waitUntil(lambda: editor.saves > 0, timeout=5_000)   # autosaved draft
        qtbot.waitUntil(lambda: vault.conn.execute(
            "SELECT 1 FROM draft WHERE id = ?", (assignment.id,)).fetchone() is not None,
            timeout=5_000)
        text.set_state("done")
        summary.set_state("done")
        with qtbot.waitSignal(editor.sent, timeout=10_000):
            qtbot.mouseClick(editor.send_button, Qt.MouseButton.LeftButton)
        assert page.table.assignments[0].state == "done"
        assert editor.send() is None and "Nothing new" in editor.status.text()  # not twice
        assert page.table.item(0, 5).text() == "Done (waiting to be sent)"
        editor.close()
        _sync(qtbot, window)
        assert page.table.item(0, 5).text() == "Done"  # refreshed by the sync
        assert vault.conn.execute("SELECT count(*) FROM record WHERE kind = 'identity'"
                                  ).fetchone()[0] == 0
        assert not vault.conn.execute("SELECT 1 FROM version WHERE body LIKE ?",
                                      (f"%{NAME}%",)).fetchone()
        assert not vault.conn.execute("SELECT 1 FROM draft").fetchone()  # sent: no draft
    finally:
        _close(qtbot, ops, window, vault)

    # --- the coordinator sees both fields beside the original --------------------------
    window, vault = _window(qtbot, ops, coord_path)
    try:
        _sync(qtbot, window)
        window.show_page("assignments")
        page = window.pages["assignments"]
        mine = next(a for a in page.table.assignments if a.record_id == testimony)
        assert mine.state == "done"
        page.table.selectRow(page.table.assignments.index(mine))
        shown = page.compare_current()
        qtbot.addWidget(shown)
        seen = shown.view.toPlainText()
        assert "The armed men arrived at dawn at the Boni market." in seen
        assert "Attack on the Boni market" in seen and "by Translator-1" in seen
        assert TEXT in seen
        shown.close()
        window.show_page("testimonies")
        view = window.testimonies.view
        view.show_record(testimony)
        details = view.fields.toPlainText()
        assert "Translation (English)" in details and "Attack on the Boni market" in details
        assert "Identity — coordinators only" in details and NAME in details
        assert [s.id for s in window.access.reader.search("displaced")] == [testimony]
    finally:
        _close(qtbot, ops, window, vault)

    # --- and the monitor who wrote it sees the translation beside its own text ---------
    window, vault = _window(qtbot, ops, mon_path)
    try:
        _sync(qtbot, window)
        assert vault.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        window.show_page("testimonies")
        view = window.testimonies.view
        view.show_record(testimony)
        details = view.fields.toPlainText()
        assert "Translation (English)" in details and "Attack on the Boni market" in details
        assert "The internally displaced fled to Sévaré." in details
        assert "Translator-1" in details
        assert "Identity — sent to coordinators only" in details and NAME in details
        assert [s.id for s in window.access.reader.search("displaced")] == [testimony]
    finally:
        _close(qtbot, ops, window, vault)
