"""The side-by-side editor: for each assigned field, the source read-only on the left and
the translation on the right, one row per paragraph; a state per field (to do, draft,
done); the translation memory's suggestions for the sentence being translated (taken with
Ctrl+Return); glossary terms marked in the source, their agreed translation on hover.

What is typed is autosaved as a draft in the encrypted store (the assignment's draft) and
offered back when the editor opens again, after a crash too. "Send" queues the fields
marked done for the next sync; it works offline for as long as needed.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from fieldapp.glossary import Term, find_terms
from fieldapp.i18n import _, format_timestamp
from fieldapp.memory import Suggestion, paragraphs, sentence_spans, sentences
from fieldapp.messages import user_message
from fieldapp.translations import Assignment

from ..forms.labels import field_label
from ..keys import keys_text
from .access import DeskAccess
from .labels import FIELD_STATES, field_state_name, language_name, record_label

AUTOSAVE_MS = 700
FIRST_ROWS = 12        # paragraph rows made before the editor shows (a screenful)
ROWS_PER_BATCH = 8     # then this many per turn of the event loop
TERM_STYLE = "color:#1d4ed8; text-decoration:none; border-bottom:1px dotted #1d4ed8"
MARK_STYLE = "background:#fde68a"
TAKE_KEYS = QKeySequence("Ctrl+Return")


def marked_source(text: str, terms: list[Term]) -> str:
    """A paragraph as rich text, glossary terms as links (hover shows the translation)."""
    out, pos = [], 0
    for start, end, term in find_terms(text, terms):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<a href='term:{escape(term.id)}' style='{TERM_STYLE}'>"
                   f"{escape(text[start:end])}</a>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def marked_words(suggestion: Suggestion) -> str:
    """The earlier sentence, the words that differ from the one translated marked."""
    out, pos = [], 0
    for start, end in suggestion.differing:
        out.append(escape(suggestion.source[pos:start]))
        out.append(f"<span style='{MARK_STYLE}'>{escape(suggestion.source[start:end])}</span>")
        pos = end
    out.append(escape(suggestion.source[pos:]))
    return "".join(out)


class ParagraphEdit(QPlainTextEdit):
    """The translation of one paragraph: as tall as its text, no scroll bar of its own."""

    focused = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTabChangesFocus(True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_args: Any) -> None:
        # the layout counts the lines of the blocks it has laid out (those painted); a
        # translation put back (sent, or a draft) is counted at the width shown, or it
        # showed two lines of a paragraph and hid the rest
        laid = int(self.document().documentLayout().documentSize().height())
        metrics = self.fontMetrics()
        width = self.viewport().width() - 2 * int(self.document().documentMargin())
        wrapped = metrics.boundingRect(0, 0, max(width, 1), 1 << 20,
                                       Qt.TextFlag.TextWordWrap.value,
                                       self.toPlainText()).height()
        lines = max(2, laid, -(-wrapped // metrics.lineSpacing()))
        margins = self.contentsMargins()
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + margins.top()
                            + margins.bottom() + 2 * int(self.document().documentMargin()))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def focusInEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.focused.emit(self)


class SourceParagraph(QTextBrowser):
    """One paragraph of the original, read only, as tall as its text; glossary terms are
    links whose agreed translation shows on hover."""

    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setProperty("user_data", True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.setHtml(html)

    def _fit(self, size: Any = None) -> None:
        height = self.document().size().height() if size is None else size.height()
        self.setFixedHeight(int(height) + 2 * self.frameWidth() + 2)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.document().setTextWidth(self.viewport().width())
        self._fit()


class FieldSection(QFrame):
    """One assigned field: its name, its state, and a row per paragraph."""

    changed = Signal()
    row_focused = Signal(object, int)   # the section, the paragraph

    def __init__(self, field: str, source: str, terms: list[Term],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.sources = paragraphs(source) or [""]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("SourceParagraph { background: #f8fafc; }")  # once, not per row
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        top.addWidget(self.title)
        top.addStretch(1)
        self.state_label = QLabel(self)
        self.state = QComboBox(self)
        self.state_label.setBuddy(self.state)
        for key in FIELD_STATES:
            self.state.addItem("", key)
        top.addWidget(self.state_label)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.source_labels: list[SourceParagraph] = []
        self.edits: list[ParagraphEdit] = []
        # rows are made a batch at a time (a long testimony opens at once, the rest of its
        # rows follow while the translator reads); until made, a row's text waits here
        self.pending: list[str] = [""] * len(self.sources)
        self._marked = terms
        layout.addLayout(self.grid)
        self._terms = {t.id: t for t in terms}
        self.state.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.retranslate()

    @property
    def complete(self) -> bool:
        return len(self.edits) == len(self.sources)

    def build_rows(self, count: int) -> int:
        """Make up to ``count`` more paragraph rows; returns how many were made."""
        start = len(self.edits)
        for row in range(start, min(start + count, len(self.sources))):
            label = SourceParagraph(marked_source(self.sources[row], self._marked), self)
            label.highlighted.connect(self._hovered)
            edit = ParagraphEdit(self)
            edit.setProperty("user_data", True)
            edit.setPlainText(self.pending[row])
            edit.setAccessibleName(_("Translation of paragraph {n} of “{field}”").format(
                n=row + 1, field=field_label(self.field)))
            edit.textChanged.connect(self._typed)
            edit.focused.connect(lambda _e, r=row: self.row_focused.emit(self, r))
            edit.cursorPositionChanged.connect(
                lambda r=row: self.row_focused.emit(self, r))
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(edit, row, 1)
            self.source_labels.append(label)
            self.edits.append(edit)
        return len(self.edits) - start

    def retranslate(self) -> None:
        self.title.setText(field_label(self.field))
        self.state_label.setText(_("State:"))
        for index in range(self.state.count()):
            self.state.setItemText(index, field_state_name(self.state.itemData(index)))
        for row, edit in enumerate(self.edits):
            edit.setAccessibleName(_("Translation of paragraph {n} of “{field}”").format(
                n=row + 1, field=field_label(self.field)))

    def _hovered(self, url: QUrl) -> None:
        link = url.toString()
        term = self._terms.get(link.removeprefix("term:")) if link else None
        if term is None:
            QToolTip.hideText()
            return
        tip = term.translation + (f"\n{term.note}" if term.note else "")
        QToolTip.showText(self.cursor().pos(), tip, self)

    def _typed(self) -> None:
        if self.state_key() == "todo" and self.text():
            self.set_state("draft")
        self.changed.emit()

    def state_key(self) -> str:
        return str(self.state.currentData())

    def set_state(self, key: str) -> None:
        self.state.setCurrentIndex(max(0, self.state.findData(key)))

    def texts(self) -> list[str]:
        made = [edit.toPlainText() for edit in self.edits]
        return made + self.pending[len(made):]

    def text(self) -> str:
        """The translation: its paragraphs, one per line."""
        return "\n".join(t.strip() for t in self.texts() if t.strip())

    def set_texts(self, texts: list[str]) -> None:
        if len(texts) != len(self.sources):  # written for another cut: all in the first row
            texts = ["\n".join(t for t in texts if t.strip())] + [""] * (len(self.sources) - 1)
        self.pending = list(texts)
        for edit, text in zip(self.edits, texts, strict=False):
            edit.blockSignals(True)
            edit.setPlainText(text)
            edit.blockSignals(False)


class SuggestionPanel(QFrame):
    """The memory's suggestions for the sentence being translated."""

    take_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggestions: list[Suggestion] = []
        self.sentence = ""
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.body = QTextBrowser(self)
        self.body.setProperty("user_data", True)
        layout.addWidget(self.body, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.take_button = QPushButton(self)
        self.take_button.clicked.connect(self.take_requested)
        row.addWidget(self.take_button)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.take_button.setText(_("&Take the suggestion"))
        self.take_button.setToolTip(_("Add the best suggestion to the translation "
                                      "({keys})").format(keys=keys_text(TAKE_KEYS)))
        self._render()

    def show_for(self, sentence: str, suggestions: list[Suggestion]) -> None:
        self.sentence, self.suggestions = sentence, suggestions
        self._render()

    def _render(self) -> None:
        self.take_button.setEnabled(bool(self.suggestions))
        if not self.sentence:
            self.heading.setText(_("Translation memory: click in a translation to see "
                                   "suggestions for the sentence to translate."))
            self.body.setHtml("")
            return
        self.heading.setText(_("Translation memory for: “{sentence}”").format(
            sentence=self.sentence))
        if not self.suggestions:
            self.body.setHtml(escape(_("No earlier translation of a sentence like this "
                                       "one.")))
            return
        rows = []
        for suggestion in self.suggestions:
            score = (_("exact") if suggestion.exact
                     else _("{score}%").format(score=suggestion.score))
            rows.append(f"<tr><td style='padding-right:8px'><b>{escape(score)}</b></td>"
                        f"<td>{marked_words(suggestion)}<br>→ "
                        f"<b>{escape(suggestion.target)}</b></td></tr>")
        self.body.setHtml("<table>" + "".join(rows) + "</table>")


class TranslationEditor(QDialog):
    """Translate one assignment, field by field, paragraph beside paragraph."""

    sent = Signal(str)   # the record id

    def __init__(self, desk: DeskAccess, assignment: Assignment,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("translationEditor")
        self.desk = desk
        self.assignment = assignment
        self.keep_alive: Any = None
        self.memory = desk.memory(assignment.target_lang)
        self._current: tuple[FieldSection, int] | None = None
        self._offered = desk.draft(assignment.id)
        self._dirty = False
        self.saves = 0

        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.draft_bar = QFrame(self)
        self.draft_bar.setStyleSheet("QFrame { background: #eef4fb; }")
        bar = QHBoxLayout(self.draft_bar)
        self.draft_text = QLabel(self.draft_bar)
        self.draft_text.setWordWrap(True)
        self.restore_button = QPushButton(self.draft_bar)
        self.discard_button = QPushButton(self.draft_bar)
        bar.addWidget(self.draft_text, 1)
        bar.addWidget(self.restore_button)
        bar.addWidget(self.discard_button)
        layout.addWidget(self.draft_bar)
        self.draft_bar.setVisible(self._offered is not None)
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button.clicked.connect(self.discard_draft)

        self.columns = QHBoxLayout()
        self.source_heading, self.target_heading = QLabel(self), QLabel(self)
        self.columns.addWidget(self.source_heading, 1)
        self.columns.addWidget(self.target_heading, 1)
        layout.addLayout(self.columns)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.scroll = QScrollArea(split)
        self.scroll.setWidgetResizable(True)
        inner = QWidget(self.scroll)
        sections = QVBoxLayout(inner)
        record = desk.access.reader.get(assignment.record_id)
        terms = desk.terms(assignment.target_lang)
        sent = desk.translations_of(assignment.record_id)
        self.sections: list[FieldSection] = []
        self._sent: dict[str, str] = {}   # what was sent of each field (not sent again)
        for field in assignment.fields:
            source = record.body.get(field)
            section = FieldSection(field, source if isinstance(source, str) else "",
                                   terms, inner)
            earlier = sent.get((field, assignment.target_lang))
            self._sent[field] = earlier.text if earlier is not None else ""
            if earlier is not None:
                section.set_texts(paragraphs(earlier.text))
                section.set_state("done")
            section.changed.connect(self._changed)
            section.row_focused.connect(self._row_focused)
            sections.addWidget(section)
            self.sections.append(section)
        sections.addStretch(1)
        self.scroll.setWidget(inner)
        self._rows = QTimer(self)
        self._rows.setInterval(0)
        self._rows.timeout.connect(lambda: self.build_rows(ROWS_PER_BATCH))
        self.build_rows(FIRST_ROWS)
        self.suggestions = SuggestionPanel(split)
        self.suggestions.take_requested.connect(self.take_suggestion)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([400, 150])
        layout.addWidget(split, 1)

        buttons = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        self.send_button = QPushButton(self)
        self.send_button.setDefault(False)
        self.send_button.setAutoDefault(False)
        self.close_button = QPushButton(self)
        self.close_button.setAutoDefault(False)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.send_button.clicked.connect(self.send)
        self.close_button.clicked.connect(self.close)
        QShortcut(TAKE_KEYS, self, activated=self.take_suggestion)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self.retranslate()
        available = self.screen().availableGeometry()
        self.resize(min(1000, available.width()), min(640, available.height() - 40))

    # --- words ------------------------------------------------------------------------
    def retranslate(self) -> None:
        a = self.assignment
        label = record_label(a, self.desk.about(a))
        self.setWindowTitle(_("Translate — {title}").format(title=label))
        self.heading.setText(_("{title}: {source} → {target}, assigned by {coordinator} "
                               "on {when}").format(
            title=label, source=language_name(a.source_lang),
            target=language_name(a.target_lang), coordinator=a.assigned_by,
            when=format_timestamp(a.created_at)))
        self.source_heading.setText(_("Original ({language}), read only").format(
            language=language_name(a.source_lang)))
        self.target_heading.setText(_("Translation ({language})").format(
            language=language_name(a.target_lang)))
        if self._offered is not None:
            self.draft_text.setText(_("An unsent draft of this translation was kept "
                                      "(last saved {when}).").format(
                when=format_timestamp(self._offered.updated_at)))
        self.restore_button.setText(_("&Restore the draft"))
        self.discard_button.setText(_("&Discard it"))
        self.send_button.setText(_("&Send the fields marked done"))
        self.send_button.setToolTip(_("Queue the fields marked done; they leave at the next "
                                      "sync"))
        self.close_button.setText(_("&Close"))
        for section in self.sections:
            section.retranslate()
        self.suggestions.retranslate()

    def build_rows(self, count: int) -> None:
        """Make ``count`` more paragraph rows (the first sections first); the rest follow
        in the background, a batch per turn of the event loop."""
        for section in self.sections:
            if count <= 0:
                break
            count -= section.build_rows(count)
        if all(s.complete for s in self.sections):
            self._rows.stop()
        elif not self._rows.isActive():
            self._rows.start()

    def wait_for_rows(self) -> None:
        """Make every row now (tests, and before a send)."""
        self.build_rows(sum(len(s.sources) for s in self.sections))

    # --- drafts -----------------------------------------------------------------------
    def body(self) -> dict[str, Any]:
        return {"fields": {s.field: {"paragraphs": s.texts(), "state": s.state_key()}
                           for s in self.sections}}

    def restore_draft(self) -> None:
        fields = (self._offered.body if self._offered else {}).get("fields", {})
        for section in self.sections:
            saved = fields.get(section.field)
            if isinstance(saved, dict):
                section.set_texts([str(p) for p in saved.get("paragraphs", [])])
                section.set_state(str(saved.get("state", "draft")))
        self._offered = None
        self.draft_bar.hide()

    def discard_draft(self) -> None:
        self.desk.delete_draft(self.assignment.id)
        self._offered = None
        self.draft_bar.hide()

    def _changed(self) -> None:
        self._dirty = True
        self._autosave.start()

    def save_draft(self) -> None:
        """Autosave now (the draft stays in the encrypted store until sent)."""
        self._autosave.stop()
        if not self._dirty:
            return
        self._dirty = False
        self.saves += 1
        self.desk.save_draft(self.assignment.id, self.assignment.record_id,
                             self._draft_body())

    def _draft_body(self) -> dict[str, Any]:
        """What to keep: what is typed, and, while the kept draft is still offered, its
        fields where nothing is typed yet (typing never loses the older draft)."""
        body = self.body()
        kept = (self._offered.body if self._offered else {}).get("fields", {})
        for field, value in body["fields"].items():
            old = kept.get(field)
            if not isinstance(old, dict):
                continue
            if not any(p.strip() for p in value["paragraphs"]):
                body["fields"][field] = old
            elif len(old.get("paragraphs", [])) == len(value["paragraphs"]):
                value["paragraphs"] = [new if new.strip() else str(before) for new, before
                                       in zip(value["paragraphs"], old["paragraphs"],
                                              strict=True)]
        return body

    # --- memory -----------------------------------------------------------------------
    def _row_focused(self, section: FieldSection, row: int) -> None:
        self._current = (section, row)
        source = section.sources[row]
        done = sentences(section.edits[row].toPlainText())
        complete = [s for s in done if s.rstrip()[-1:] in ".!?…»"]
        spans = sentence_spans(source)
        if not spans:
            self.suggestions.show_for("", [])
            return
        start, end = spans[min(len(complete), len(spans) - 1)]
        sentence = source[start:end]
        if sentence != self.suggestions.sentence:
            self.suggestions.show_for(sentence, self.memory.lookup(sentence))

    def take_suggestion(self) -> None:
        """Add the best suggestion's translation to the paragraph being translated."""
        if self._current is None or not self.suggestions.suggestions:
            return
        section, row = self._current
        edit = section.edits[row]
        text = edit.toPlainText()
        taken = self.suggestions.suggestions[0].target
        edit.setPlainText(f"{text.rstrip()} {taken}".strip() + " ")
        edit.moveCursor(QTextCursor.MoveOperation.End)
        edit.setFocus()
        self._row_focused(section, row)

    # --- sending ----------------------------------------------------------------------
    def send(self) -> Any:
        ready = {s.field: s.text() for s in self.sections
                 if s.state_key() == "done" and s.text()}
        if not ready:
            self.status.setText(_("Mark a field done to send it."))
            return None
        ready = {f: text for f, text in ready.items() if text != self._sent.get(f)}
        if not ready:
            self.status.setText(_("Nothing new to send: these fields were sent as they are."))
            return None
        left = {f: v for f, v in self.body()["fields"].items()
                if f not in ready and any(p.strip() for p in v["paragraphs"])}
        self._autosave.stop()
        self._dirty = False

        def done(count: int) -> None:
            self._sent.update(ready)
            self.status.setText(_("Queued: it will be sent at the next sync."))
            self.desk.memory(self.assignment.target_lang, fresh=True)
            self.sent.emit(self.assignment.record_id)

        def failed(exc: BaseException) -> None:
            self.status.setText(user_message(exc))
        return self.desk.send(self.assignment.record_id, self.assignment.target_lang, ready,
                              self.assignment.id, {"fields": left} if left else None,
                              on_done=done, on_error=failed)

    def flush(self) -> None:
        self.save_draft()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.flush()
        super().closeEvent(event)
