"""The incident and testimony editors: validation next to the field, drafts that survive,
place autocomplete, perpetrators, victim counts, consent and the identity section."""

from __future__ import annotations

import pytest

from fieldapp import drafts, i18n
from fieldapp.records import RecordStore
from tests.gui.test_main_window import FakeController, incident


@pytest.fixture
def window(qtbot, vault, ops):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                     controller=FakeController(ops))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def fill_minimum(editor, title="Pillage à Boni", date="2024-03-05"):
    editor.title_edit.setText(title)
    editor.date.edit.setText(date)
    editor.event_type.set_value("looting")


def test_bad_date_is_shown_next_to_the_field(qtbot, window):
    editor = window.new_record("incident")
    fill_minimum(editor, date="2024-02-30")
    assert editor.save() is None
    error = editor.rows["occurred_on"].error
    assert error.isVisible()
    assert error.text() == "this date does not exist"
    assert not editor.rows["title"].error.isVisible()
    editor.date.edit.setText("2024-02-29")
    editor.title_edit.clear()
    assert editor.save() is None
    assert not editor.rows["occurred_on"].error.isVisible()
    assert editor.rows["title"].error.text() == "this field is required"
    editor.discard_draft()


def test_counts_and_precision_errors_name_their_field(qtbot, window):
    editor = window.new_record("incident")
    fill_minimum(editor)
    editor.counts.boxes["killed_min"].setValue(9)
    editor.counts.boxes["killed_max"].setValue(3)
    assert editor.save() is None
    assert "Killed (maximum)" in editor.rows["_counts"].error.text()
    editor.counts.boxes["killed_max"].setValue(12)
    editor.date.edit.setText("2024-03")
    assert editor.date.precision_value() == "month"
    editor.date.precision.set_value("day")
    assert editor.save() is None
    assert "does not match" in editor.rows["occurred_on"].error.text()
    editor.latitude.setText("north")
    editor.date.precision.set_value("month")
    assert editor.save() is None
    assert editor.rows["latitude"].error.text() == "a number is expected"
    editor.discard_draft()


def test_full_incident_is_saved_with_every_section(qtbot, vault, window):
    editor = window.new_record("incident")
    fill_minimum(editor)
    editor.date.edit.setText("2024-03")
    editor.date.precision.set_value("month")
    lines = editor.place.refresh_suggestions() if editor.place.setText("lere") is None \
        else []
    assert any(line.startswith("Léré") for line in lines)
    editor.place.choose(next(line for line in lines if line.startswith("Léré")))
    assert editor.place.text() == "Léré"
    assert editor.region.text() == "Tombouctou"
    assert editor.latitude.text()
    editor.perpetrators.set_codes(["jihadist_group", "unknown"])
    editor.perpetrators.detail.setText("hommes armés à moto")
    editor.counts.boxes["killed_min"].setValue(0)
    editor.counts.boxes["killed_max"].setValue(4)
    editor.counts.boxes["displaced_min"].setValue(120)
    editor.description.setPlainText("Des hommes armés ont pillé le marché.")
    with qtbot.waitSignal(editor.saved, timeout=10_000) as blocker:
        editor.save_button.click()
    record = RecordStore(vault.conn, vault.pseudonym).get(blocker.args[0])
    body = record.body
    assert body["occurred_on"] == "2024-03" and body["date_precision"] == "month"
    assert body["locality"] == "Léré" and body["region"] == "Tombouctou"
    assert body["perpetrators"] == ["jihadist_group", "unknown"]
    assert body["perpetrators_detail"] == "hommes armés à moto"
    assert body["killed_min"] == 0 and body["killed_max"] == 4
    assert body["displaced_min"] == 120 and "injured_min" not in body
    assert drafts.list_drafts(vault.conn) == []
    qtbot.waitUntil(lambda: window.incidents.model.total == 1, timeout=5000)


def test_draft_survives_closing_the_form_and_is_offered_back(qtbot, vault, window):
    editor = window.new_record("incident")
    editor.title_edit.setText("Enlèvement près de Ménaka")
    editor.date.edit.setText("2024-13")   # not valid yet: a draft keeps it anyway
    assert editor.dirty
    editor.close()
    qtbot.waitUntil(lambda: len(drafts.list_drafts(vault.conn, "incident", None)) == 1,
                    timeout=5000)
    saved = drafts.list_drafts(vault.conn, "incident", None)[0]
    assert saved.body["data"]["title"] == "Enlèvement près de Ménaka"
    assert saved.body["data"]["occurred_on"] == "2024-13"

    again = window.new_record("incident")
    assert again.banner.isVisible() if again.isVisible() else again.offered_draft
    assert again.title_edit.text() == ""
    again.restore_button.click()
    assert again.title_edit.text() == "Enlèvement près de Ménaka"
    assert again.draft_id == saved.id
    again.date.edit.setText("2024-02")
    again.event_type.set_value("abduction")
    assert again.date.precision_value() == "month"
    with qtbot.waitSignal(again.saved, timeout=10_000):
        assert again.save() is not None
    assert drafts.list_drafts(vault.conn) == []


def test_autosave_runs_after_a_change_without_closing(qtbot, vault, window):
    editor = window.new_record("incident")
    with qtbot.waitSignal(editor.draft_stored, timeout=5000):
        editor.title_edit.setText("Frappe de drone")
    draft = drafts.load_draft(vault.conn, editor.draft_id)
    assert draft is not None and draft.body["data"]["title"] == "Frappe de drone"
    editor.discard_draft()
    qtbot.waitUntil(lambda: drafts.load_draft(vault.conn, editor.draft_id) is None,
                    timeout=5000)


def test_testimony_with_identity_consent_and_link(qtbot, vault, window):
    incident_id = vault.records.add("incident", incident(5))
    editor = window.new_record("testimony", incident_id)
    assert editor.links.ids() == [incident_id]
    assert editor.identity.title() == "Identity — coordinators only"
    editor.witness_code.setText("T-MOP-014")
    editor.relation.set_value("eyewitness")
    editor.text_edit.setPlainText("J'ai vu les hommes arriver le matin.")
    editor.consent.checks["internal"].setChecked(True)
    editor.consent.checks["named_partners"].setChecked(True)
    editor.consent.partners.setText("ONG partenaire")
    editor.identity.edits["phone"].setText("+223 00 00 00 00")
    with qtbot.waitSignal(editor.saved, timeout=10_000) as blocker:
        editor.save()
    record = vault.records.get(blocker.args[0])
    assert record.body["consent"] == ["internal", "named_partners"]
    assert record.body["consent_partners"] == "ONG partenaire"
    assert record.incident_ids == [incident_id]
    assert record.identity == {"phone": "+223 00 00 00 00"}


def test_testimony_missing_text_is_shown_next_to_it(qtbot, window):
    editor = window.new_record("testimony")
    editor.witness_code.setText("T-1")
    assert editor.save() is None
    assert editor.rows["text"].error.text() == "this field is required"
    editor.discard_draft()


def test_editor_retranslates(qtbot, window):
    editor = window.new_record("testimony")
    i18n.set_language("qps")
    try:
        assert editor.windowTitle().startswith("⟦")
        assert editor.identity.title().startswith("⟦")
        assert editor.rows["witness_code"].label.text().startswith("⟦")
        assert editor.save_button.text().startswith("⟦")
    finally:
        i18n.set_language("en")
    assert editor.identity.title() == "Identity — coordinators only"
    editor.discard_draft()


def test_draft_core_refuses_bad_input(vault):
    from fieldapp.errors import InvalidInput
    from fieldapp.text import uuid7

    with pytest.raises(InvalidInput) as bad_kind:
        drafts.save_draft(vault.conn, uuid7(), "identity", None, {})
    assert bad_kind.value.params["field"] == "kind"
    with pytest.raises(InvalidInput):
        drafts.save_draft(vault.conn, "../x", "incident", None, {})
    with pytest.raises(InvalidInput):
        drafts.save_draft(vault.conn, uuid7(), "incident", None, ["not", "a", "dict"])
    with pytest.raises(InvalidInput):
        drafts.save_draft(vault.conn, uuid7(), "incident", None,
                          {"x": "a" * (drafts.MAX_DRAFT_BYTES + 1)})
    draft_id = uuid7()
    drafts.save_draft(vault.conn, draft_id, "incident", None, {"data": {"title": "é"}})
    drafts.save_draft(vault.conn, draft_id, "incident", None, {"data": {"title": "è"}})
    assert [d.body for d in drafts.list_drafts(vault.conn)] == [{"data": {"title": "è"}}]
    assert drafts.delete_draft(vault.conn, draft_id) is True
    assert drafts.delete_draft(vault.conn, draft_id) is False


def test_keyboard_alone_records_an_incident(qtbot, vault, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    with qtbot.waitSignal(window.editor_opened, timeout=5000) as opened:
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = opened.args[0]
    qtbot.waitUntil(lambda: editor.isActiveWindow() or editor.isVisible(), timeout=5000)
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.title_edit, timeout=5000)
    qtbot.keyClicks(QApplication.focusWidget(), "Execution sommaire a Diafarabe")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor.date.edit
    qtbot.keyClicks(editor.date.edit, "2023-11-20")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor.date.precision
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor.event_type
    qtbot.keyClicks(editor.event_type, "Summary")
    assert editor.event_type.value() == "execution"
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier)
    assert vault.records.list("incident")[0].title == "Execution sommaire a Diafarabe"


def test_labels_have_buddies_and_fields_accessible_names(qtbot, window):
    editor = window.new_record("testimony")
    for name, row in editor.rows.items():
        assert row.label.buddy() is row.widget, name
        if name not in ("_counts", "attachments", "identity"):
            assert row.widget.accessibleName(), name
    editor.discard_draft()


def test_edit_draft_is_offered_only_for_its_record(qtbot, vault, window):
    first = vault.records.add("incident", incident(1))
    second = vault.records.add("incident", incident(2))
    editor = window.edit_record(first)
    editor.description.setPlainText("Ajout: deux blessés de plus")
    editor.close()
    qtbot.waitUntil(lambda: len(drafts.list_drafts(vault.conn, "incident", first)) == 1,
                    timeout=5000)
    other = window.edit_record(second)
    assert other.offered_draft is None
    other.close()
    fresh = window.new_record("incident")
    assert fresh.offered_draft is None
    fresh.close()
    again = window.edit_record(first)
    assert again.offered_draft is not None
    assert again.description.toPlainText() == ""      # offered, not imposed
    again.restore_offered_draft()
    assert again.description.toPlainText() == "Ajout: deux blessés de plus"
    with qtbot.waitSignal(again.saved, timeout=10_000):
        assert again.save() is not None
    assert vault.records.get(first).body["description"] == "Ajout: deux blessés de plus"
    assert len(vault.records.history(first)) == 2
    assert drafts.list_drafts(vault.conn) == []


CRASHING_FORM = """
import os, sys
sys.path.insert(0, {root!r})
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from fieldapp.profile import Profile
from ui.ops import Ops
from ui.main_window import MainWindow
app = QApplication([])
vault = Profile({path!r}).unlock({passphrase!r}, check_same_thread=False)
ops = Ops()
window = MainWindow(vault=vault, profile=vault.profile, ops=ops, controller=None)
editor = window.new_record("incident")
editor.draft_stored.connect(lambda: os._exit(9))   # power cut right after the autosave
editor.title_edit.setText("Tapé juste avant la coupure")
app.exec()
"""


def test_typing_survives_a_crash_right_after_the_autosave(vault, tmp_path):
    import subprocess
    import sys

    from fieldapp.profile import Profile
    from tests.conftest import PASSPHRASE, ROOT

    path = vault.profile.path
    vault.close()
    code = CRASHING_FORM.format(root=str(ROOT), path=str(path), passphrase=PASSPHRASE)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                          cwd=ROOT)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]
    reopened = Profile(path).unlock(PASSPHRASE)
    try:
        found = drafts.list_drafts(reopened.conn, "incident", None)
        assert [d.body["data"]["title"] for d in found] == ["Tapé juste avant la coupure"]
    finally:
        reopened.close()


def test_person_from_the_people_page(qtbot, vault, window):
    incident_id = vault.records.add("incident", incident(4))
    window.show_page("people")
    with qtbot.waitSignal(window.editor_opened, timeout=5000) as opened:
        window.people.new_button.click()
    editor = opened.args[0]
    assert editor.windowTitle() == "New person"
    editor.code.setText("V-MOP-031")
    editor.rows["role"].widget.set_value("victim")
    editor.rows["status"].widget.set_value("missing")
    editor.links.add(incident_id)
    editor.identity.edits["name"].setText("x" * 301)
    assert editor.save() is None
    assert "Name" in editor.rows["identity"].error.text()
    editor.identity.edits["name"].setText("Nom inventé")
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        assert editor.save() is not None
    person = vault.records.get(saved.args[0])
    assert person.body == {"code": "V-MOP-031", "role": "victim", "status": "missing"}
    assert person.incident_ids == [incident_id]
    assert person.identity == {"name": "Nom inventé"}
    qtbot.waitUntil(lambda: window.people.model.total == 1, timeout=5000)
    assert window.people.select(person.id)
    assert window.people.view.edit_button.isVisible()
    # the monitor who wrote it reads it: told where it goes, not that it may not read it
    shown = window.people.view.fields.toHtml()
    assert "Identity — sent to coordinators only" in shown
    assert "no other monitor and no translator receives it" in shown
