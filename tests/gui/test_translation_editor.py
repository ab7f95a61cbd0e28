"""The side-by-side editor on a real vault: drafts survive a crash and are offered back;
glossary terms are marked with their translation; a long testimony opens row by row."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QToolTip

from fieldapp import glossary
from fieldapp.profile import Profile
from tests.gui.conftest import PASSPHRASE

SOURCE = ("Les FAMa sont arrivées au cercle de Douentza.\n"
          "Les déplacés internes attendaient au marché.")


def _vault(tmp_path: Path, text: str = SOURCE):
    vault, _key = Profile(tmp_path / "p").create("Trad-1", PASSPHRASE, kdf_seconds=0)
    rid = vault.records.add("testimony", {"witness_code": "T-1", "text": text,
                                          "language": "fr"})
    vault.conn.execute(
        "INSERT INTO assignment (id, record_id, translator, translator_device, target_lang, "
        "fields, assigned_by, created_at) VALUES (?, ?, 'Trad-1', '0000000000000000', 'en',"
        " '[\"text\"]', 'Coord-1', '2024-06-01T10:00:00Z')",
        ("01900000-0000-7000-8000-000000000001", rid))
    glossary.add_starter_terms(vault.conn, "Coord-1")
    vault.close()
    return Profile(tmp_path / "p").unlock(PASSPHRASE, check_same_thread=False)


def _desk(vault, ops):
    from ui.models.vault_access import VaultAccess
    from ui.translate.access import DeskAccess

    return DeskAccess(VaultAccess(vault, ops))


def _editor(qtbot, desk):
    from ui.translate.editor import TranslationEditor

    [assignment] = desk.assignments()
    editor = TranslationEditor(desk, assignment)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_a_draft_survives_a_crash_and_is_offered_back(qtbot, ops, tmp_path) -> None:
    vault = _vault(tmp_path)
    desk = _desk(vault, ops)
    try:
        editor = _editor(qtbot, desk)
        assert not editor.draft_bar.isVisible()
        section = editor.sections[0]
        assert len(section.edits) == 2  # a row per paragraph
        section.edits[1].setPlainText("The internally displaced waited at the market.")
        assert section.state_key() == "draft"
        qtbot.waitUntil(lambda: desk.draft(editor.assignment.id) is not None, timeout=5_000)
        editor.hide()  # the app dies here: no close, no flush
        again = _editor(qtbot, desk)
        assert again.draft_bar.isVisible()
        assert again.sections[0].texts() == ["", ""]   # nothing imposed
        # typing before choosing loses neither: the kept draft's rows stay where empty
        again.sections[0].edits[0].setPlainText("The FAMa arrived in the cercle.")
        again.save_draft()
        qtbot.waitUntil(lambda: not ops.busy, timeout=5_000)
        kept = desk.draft(again.assignment.id).body["fields"]["text"]["paragraphs"]
        assert kept == ["The FAMa arrived in the cercle.",
                        "The internally displaced waited at the market."]
        again.restore_draft()
        assert again.sections[0].texts()[1] == "The internally displaced waited at the market."
        assert again.sections[0].state_key() == "draft"
        assert again.send() is None  # nothing marked done: nothing sent
        assert "Mark a field done" in again.status.text()
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_glossary_terms_are_marked_with_their_translation(qtbot, ops, tmp_path) -> None:
    vault = _vault(tmp_path)
    desk = _desk(vault, ops)
    try:
        editor = _editor(qtbot, desk)
        section = editor.sections[0]
        first, second = (label.toHtml() for label in section.source_labels)
        assert first.count("term:") == 2 and second.count("term:") == 1  # FAMa, cercle
        fama = next(t for t in desk.terms("en") if t.term == "FAMa")
        section._hovered(QUrl(f"term:{fama.id}"))
        assert QToolTip.text() == "FAMa (Malian Armed Forces)"
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_a_long_testimony_opens_first_rows_then_the_rest(qtbot, ops, tmp_path) -> None:
    text = "\n".join(f"Paragraphe {n}. Les hommes armés sont venus." for n in range(120))
    vault = _vault(tmp_path, text)
    desk = _desk(vault, ops)
    try:
        editor = _editor(qtbot, desk)
        section = editor.sections[0]
        assert 0 < len(section.edits) < 120
        qtbot.waitUntil(lambda: section.complete, timeout=10_000)
        assert len(section.edits) == 120
        assert section.source_labels[119].toPlainText().startswith("Paragraphe 119.")
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_the_assign_dialog_narrows_its_list_and_needs_a_translator(qtbot, ops,
                                                                   tmp_path) -> None:
    from ui.translate.dialogs import AssignDialog

    vault = _vault(tmp_path)
    desk = _desk(vault, ops)
    try:
        dialog = AssignDialog(desk)
        qtbot.addWidget(dialog)
        item = dialog.records.item(0)
        dialog.filter.setText("t-1")
        assert not item.isHidden()
        dialog.filter.setText("Ménaka")
        assert item.isHidden()
        dialog.choose([item.data(0x0100)])
        assert dialog.assign() is None  # no translator in this project
        assert "No translator" in dialog.message.text() or "Tick" in dialog.message.text()
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_a_translator_tells_assignments_apart_without_witness_codes(qtbot, ops,
                                                                   tmp_path) -> None:
    """A translator's copy has no witness code, and records made the same minute share the
    start of their id: each row is named by its summary when assigned, else by the end of
    its id, never all alike."""
    from ui.translate.pages import MyAssignmentsPage

    vault = _vault(tmp_path)
    summary = "Attaque du marché de Boni et fuite des déplacés internes vers Sévaré"
    made = [vault.records.add("testimony", {"witness_code": f"T-{n}", "text": SOURCE,
                                            "summary": summary, "language": "fr"})
            for n in (2, 3)]
    for n, (rid, fields) in enumerate(zip(made, ('["text", "summary"]', '["text"]'),
                                          strict=True)):
        vault.conn.execute(
            "INSERT INTO assignment (id, record_id, translator, translator_device, "
            "target_lang, fields, assigned_by, created_at) VALUES (?, ?, 'Trad-1', "
            "'0000000000000000', 'en', ?, 'Coord-1', '2024-06-01T10:00:00Z')",
            (f"01900000-0000-7000-8000-00000000001{n}", rid, fields))
    vault.conn.execute("UPDATE record SET title = ''")  # as the translator holds them
    desk = _desk(vault, ops)
    try:
        page = MyAssignmentsPage(desk.access, only_mine=False)
        qtbot.addWidget(page)
        page.refresh()
        names = [page.table.item(row, 0).text() for row in range(3)]
        assert len(set(names)) == 3, names
        assert summary in names  # its summary was assigned: the translator holds it
        assert sum(name.startswith("Testimony ") for name in names) == 2
        editor = page.open_assignment(page.table.assignments[names.index(summary)])
        qtbot.addWidget(editor)
        assert summary in editor.windowTitle() and "(untitled)" not in editor.heading.text()
        editor.close()
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()


def test_the_record_view_says_not_translated_in_a_line(qtbot, ops, tmp_path) -> None:
    """The record view shows the original above: a language with nothing translated yet is
    one line there, not the whole text again beside blanks; the dialog beside the original
    keeps the text."""
    from ui.translate.compare import translations_html

    vault = _vault(tmp_path)
    try:
        [rid] = vault.conn.execute("SELECT id FROM record WHERE kind = 'testimony'"
                                   ).fetchone()
        record = vault.records.get(rid)
        compact = translations_html(record, {}, [], compact=True)
        assert "Translation (English)" in compact and "Not translated yet" in compact
        assert "Douentza" not in compact
        assert "Douentza" in translations_html(record, {}, [])
    finally:
        vault.close()


def test_a_translation_put_back_shows_whole(qtbot, ops, tmp_path) -> None:
    """A long translation set into a row (a sent field reopened, a draft restored) makes
    the row as tall as its wrapped lines, not two lines with the rest hidden."""
    vault = _vault(tmp_path)
    vault.conn.execute(
        "INSERT INTO translation (id, record_id, field, source_lang, target_lang, text, "
        "translator, status, created_at) SELECT '01900000-0000-7000-8000-0000000000aa', "
        "record_id, 'text', 'fr', 'en', ?, 'Trad-1', 'done', '2024-06-02T10:00:00Z' "
        "FROM assignment", ("The internally displaced waited at the market. " * 12
                            + "\nThe FAMa arrived.",))
    desk = _desk(vault, ops)
    try:
        editor = _editor(qtbot, desk)
        edit = editor.sections[0].edits[0]
        assert edit.toPlainText().startswith("The internally displaced")
        wanted = edit.fontMetrics().lineSpacing() * 6
        qtbot.waitUntil(lambda: edit.height() > wanted, timeout=3_000)
    finally:
        desk.access.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        vault.close()
