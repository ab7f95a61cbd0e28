"""Translations beside the original: each narrative field of a record, its original on the
left and each translation on the right with its translator and date; a translation still
missing says so (and to whom it is assigned). Shown in the record view (everyone) and by
the coordinator's Assignments page."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model
from fieldapp.i18n import _, format_timestamp
from fieldapp.records import Record
from fieldapp.translations import TARGET_LANGS, Assignment, Translation

from ..forms.labels import field_label
from .labels import language_name

MISSING_STYLE = "color:#8a4b00; font-style:italic"


def target_languages(record: Record, found: dict[tuple[str, str], Translation],
                     assigned: list[Assignment]) -> list[str]:
    """The languages a record's translations are shown in: those translated or assigned,
    and the other of French and English when it is written in one of them."""
    langs = {lang for _f, lang in found} | {a.target_lang for a in assigned}
    source = record.body.get("language")
    if source in TARGET_LANGS:
        langs |= {lang for lang in TARGET_LANGS if lang != source}
    return [lang for lang in TARGET_LANGS if lang in langs and lang != source]


def translations_html(record: Record, found: dict[tuple[str, str], Translation],
                      assigned: list[Assignment], *, compact: bool = False) -> str:
    """The record's narrative fields beside their translations (empty: nothing to show).
    ``compact`` (the record view, where the original is already shown above): a language
    with nothing translated yet is one line, not the whole text again beside blanks."""
    fields = [f for f in model.NARRATIVE_FIELDS.get(record.kind, ())
              if f != "language" and isinstance(record.body.get(f), str)]
    langs = target_languages(record, found, assigned)
    if not fields or not langs:
        return ""
    source = record.body.get("language")
    original_title = escape(_("Original ({language})").format(language=language_name(source)))
    heading = escape(_("Translations"))
    head = f"<th align='left' width='50%'>{original_title}</th>"
    parts = [f"<h3 style='margin-top:16px'>{heading}</h3>"]
    for lang in langs:
        title = escape(_("Translation ({language})").format(language=language_name(lang)))
        if compact and not any((field, lang) in found for field in fields):
            waiting = [a for a in assigned if a.target_lang == lang]
            note = (_("Not translated yet (assigned to {translator})").format(
                translator=waiting[0].translator) if waiting else _("Not translated yet"))
            parts.append(f"<p><b>{title}</b><br>"
                         f"<span style='{MISSING_STYLE}'>{escape(note)}</span></p>")
            continue
        rows = []
        for field in fields:
            original = escape(record.body[field]).replace("\n", "<br>")
            done = found.get((field, lang))
            if done is not None:
                by = escape(_("by {translator}, {when}").format(
                    translator=done.translator, when=format_timestamp(done.created_at)))
                right = (escape(done.text).replace("\n", "<br>")
                         + f"<br><span style='color:#555'>— {by}</span>")
            else:
                waiting = [a for a in assigned if a.target_lang == lang and field in a.fields]
                note = (_("Not translated yet (assigned to {translator})").format(
                    translator=waiting[0].translator) if waiting
                    else _("Not translated yet"))
                right = f"<span style='{MISSING_STYLE}'>{escape(note)}</span>"
            rows.append(f"<tr><td colspan='2' style='padding-top:6px'><b>"
                        f"{escape(field_label(field))}</b></td></tr>"
                        f"<tr><td valign='top' style='padding-right:12px'>{original}</td>"
                        f"<td valign='top'>{right}</td></tr>")
        parts.append(f"<table width='100%' cellspacing='0'><tr>{head}"
                     f"<th align='left' width='50%'>{title}</th></tr>{''.join(rows)}</table>")
    return "".join(parts)


class CompareDialog(QDialog):
    """A record's translations beside its original (the coordinator opens it from an
    assignment)."""

    def __init__(self, render: Callable[[], str], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.keep_alive: object = None
        self.title = title
        self.render = render
        layout = QVBoxLayout(self)
        self.view = QTextBrowser(self)
        self.view.setProperty("user_data", True)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.close)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.retranslate()
        self.resize(900, 560)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Beside the original — {title}").format(title=self.title))
        self.close_button.setText(_("&Close"))
        self.view.setHtml(self.render())
