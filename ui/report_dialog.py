"""The desktop's "Report (PDF)…": the incidents of the current filters as a PDF report,
redacted by default, with the same choices as ``fieldapp report``.

The document is built on the db lane (it reads the vault), drawn on the cpu lane
(`ui.report_pdf`), then written and audited on the db lane (`fieldapp.report.save`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import report
from fieldapp.errors import FieldappError, NotJoined
from fieldapp.export import check_destination
from fieldapp.i18n import _, current_language, ngettext
from fieldapp.membership import membership
from fieldapp.messages import user_message

from . import file_dialogs
from .forms.labels import value_text
from .models.vault_access import VaultAccess
from .report_pdf import render_pdf


class ReportDialog(QDialog):
    """Choose the redaction and the file; write the report in the background."""

    def __init__(self, access: VaultAccess, filters: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.filters = dict(filters)
        self.result: Any = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.selection = QLabel(self)
        self.selection.setWordWrap(True)
        layout.addWidget(self.selection)
        form = QFormLayout()
        self.language = QComboBox(self)
        self.language.addItem("Français", "fr")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if current_language() == "fr" else 1)
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        form.addRow(self.language_label, self.language)
        self.coarsen = QCheckBox(self)
        self.mask = QCheckBox(self)
        self.names = QPlainTextEdit(self)
        self.names.setMaximumHeight(self.fontMetrics().height() * 4)
        self.names.setEnabled(False)
        self.identities = QCheckBox(self)
        form.addRow(self.coarsen)
        form.addRow(self.mask)
        form.addRow(self.names)
        form.addRow(self.identities)
        out_row = QHBoxLayout()
        self.out = QLineEdit(self)
        self.browse = QPushButton(self)
        out_row.addWidget(self.out, 1)
        out_row.addWidget(self.browse)
        self.out_label = QLabel(self)
        self.out_label.setBuddy(self.out)
        form.addRow(self.out_label, out_row)
        layout.addLayout(form)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.write_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)

        self.mask.toggled.connect(self.names.setEnabled)
        self.browse.clicked.connect(self._browse)
        self.write_button.clicked.connect(self.write)
        self.close_button.clicked.connect(self.reject)
        self.is_coordinator = self._coordinator()
        self.identities.setEnabled(self.is_coordinator)
        self.retranslate()

    def _coordinator(self) -> bool:
        try:
            return membership(self.access.reader_vault.conn).is_coordinator
        except NotJoined:
            return False

    def options(self) -> report.Options:
        names = tuple(line.strip() for line in self.names.toPlainText().splitlines()
                      if line.strip()) if self.mask.isChecked() else ()
        return report.Options(lang=str(self.language.currentData()), filters=self.filters,
                              coarsen_places=self.coarsen.isChecked(),
                              mask_names=self.mask.isChecked(), names=names,
                              with_identities=self.identities.isChecked()
                              and self.is_coordinator)

    def _browse(self) -> None:
        path = file_dialogs.save_file(
            self, _("Save the report as"), str(Path.home() / _("report.pdf")),
            _("PDF files (*.pdf)"))
        if path:
            self.out.setText(path if path.lower().endswith(".pdf") else path + ".pdf")

    # --- writing ----------------------------------------------------------------------
    def write(self) -> Any:
        """Build, draw and save the report; returns the first background job."""
        out = self.out.text().strip()
        if not out:
            self.status.setText(_("Choose a file to write the report to."))
            return None
        try:
            check_destination(Path(out), self.access.vault.profile.path)
        except FieldappError as exc:
            self.status.setText(user_message(exc))
            return None
        options = self.options()
        vault = self.access.writer_vault
        self._busy(True)
        return self.access.ops.run(
            report.build, vault, options, lane="db", on_error=self._failed,
            on_done=lambda doc: self.access.ops.run(
                render_pdf, doc, lane="cpu", on_error=self._failed,
                on_done=lambda data: self.access.ops.run(
                    report.save, vault, out, data, doc, options, lane="db",
                    on_error=self._failed, on_done=self._written)))

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.write_button.setEnabled(not busy)
        if busy:
            self.status.setText(_("Writing the report…"))

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.status.setText(user_message(exc))

    def _written(self, result: Any) -> None:
        self._busy(False)
        self.result = result
        done = ngettext("Report written: {n} incident in {path}.",
                        "Report written: {n} incidents in {path}.", result.count).format(
                            n=result.count, path=result.path)
        warn = (_("It names witnesses and victims: keep it encrypted and delete it when "
                  "done.") if result.contains_identity else
                _("It is plaintext: keep it safe and delete it when done."))
        self.status.setText(f"{done} {warn}")

    # --- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("PDF report"))
        self.intro.setText(_("The incidents of the current filters, with their testimonies, "
                             "as a PDF report. Identities are left out unless a coordinator "
                             "asks for them; the choices are printed in the report."))
        shown = [f"{label}: {value}" for label, value in (
            (_("Region"), self.filters.get("region")),
            (_("Type of event"), value_text("event_type", self.filters.get("event_type"))),
            (_("Alleged perpetrators"),
             value_text("perpetrators", self.filters.get("perpetrator"))),
            (_("Status"), value_text("status", self.filters.get("status"))),
            (_("From"), self.filters.get("date_from")),
            (_("To"), self.filters.get("date_to"))) if value]
        self.selection.setText(_("Selection: {filters}").format(
            filters="; ".join(shown) if shown else _("every incident")))
        self.language_label.setText(_("&Language of the report:"))
        self.coarsen.setText(_("&Coarsen places to the cercle (no locality, commune or "
                               "coordinates)"))
        self.mask.setText(_("&Mask names in the texts (identity records' names and these):"))
        self.names.setPlaceholderText(_("One name per line"))
        self.names.setAccessibleName(_("Names to mask"))
        self.identities.setText(_("Include &identities and protection concerns "
                                  "(coordinators only)"))
        self.identities.setToolTip("" if self.is_coordinator else
                                   _("Only a coordinator can include identities."))
        self.out_label.setText(_("&File:"))
        self.out.setPlaceholderText(_("Where to write the PDF (not in the profile folder)"))
        self.browse.setText(_("&Choose…"))
        self.write_button.setText(_("&Write the report"))
        self.close_button.setText(_("Close"))
