"""The desktop's PDF report: written in the background, redacted by default, identities
offered only to coordinators."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.report.conftest import IDENTITY_PHONE, member, pdf_text


def _dialog(qtbot, vault, ops, filters):
    from ui.models.vault_access import VaultAccess
    from ui.report_dialog import ReportDialog

    access = VaultAccess(vault, ops)
    dialog = ReportDialog(access, filters)
    qtbot.addWidget(dialog)
    dialog.access_ref = access
    return dialog


def _add(vault) -> None:
    incident = vault.records.add("incident", {
        "title": "Marché de Boni", "occurred_on": "2023-04-02", "region": "Mopti",
        "locality": "Boni", "event_type": "looting"})
    vault.records.add("incident", {"title": "Gao", "occurred_on": "2023-04-02",
                                   "region": "Gao", "event_type": "looting"})
    vault.records.add("testimony", {"witness_code": "T-BON-1", "text": "Aminata a vu.",
                                    "incident_ids": [incident],
                                    "identity": {"name": "Aminata Koné",
                                                 "phone": IDENTITY_PHONE}})


def test_the_dialog_writes_a_redacted_report(qtbot, vault, ops, tmp_path: Path) -> None:
    _add(vault)
    dialog = _dialog(qtbot, vault, ops, {"region": "Mopti"})
    assert not dialog.identities.isEnabled()        # not a coordinator
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    dialog.mask.setChecked(True)
    dialog.out.setText(str(tmp_path / "rapport.pdf"))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.result.count == 1
    text = pdf_text(tmp_path / "rapport.pdf")
    assert "T-BON-1" in text and "Marché de Boni" in text
    assert IDENTITY_PHONE not in text and "Aminata" not in text
    assert "Rapport d’incidents" in text and "Gao" not in text.split("Incidents\n", 1)[-1]
    dialog.access_ref.close()


def test_refused_destination_is_said_at_once(qtbot, vault, ops) -> None:
    dialog = _dialog(qtbot, vault, ops, {})
    dialog.out.setText(str(vault.profile.path / "inside.pdf"))
    assert dialog.write() is None
    assert "profile" in dialog.status.text()
    dialog.access_ref.close()


def test_a_coordinator_may_include_identities(qtbot, vault, ops, tmp_path) -> None:
    _add(vault)
    member(vault, "coordinator")
    dialog = _dialog(qtbot, vault, ops, {})
    assert dialog.identities.isEnabled()
    dialog.identities.setChecked(True)
    dialog.out.setText(str(tmp_path / "r.pdf"))
    dialog.write()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.result.contains_identity
    assert IDENTITY_PHONE in pdf_text(tmp_path / "r.pdf")
    dialog.access_ref.close()
