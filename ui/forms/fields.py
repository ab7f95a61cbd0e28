"""Form pieces shared by the incident and testimony editors.

Each piece sets its texts in ``retranslate()`` and exposes ``value()`` / ``set_value()``
in the shape the data model stores, so a form's body and its draft are the same dict.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n, model
from fieldapp.i18n import N_, _

from .labels import COUNT_LABELS, field_label

ERROR_STYLE = "color: #9b1c1c; font-weight: bold;"


def follow_language(widget: QWidget, retranslate: Callable[[], None]) -> None:
    """Call ``retranslate()`` after every language switch while ``widget`` lives.

    The listener holds the widget and the method only weakly and checks that the C++ side
    still exists: a widget deleted by Qt (its parent closed) must never be called again —
    touching it crashed the process on a later language switch."""
    owner = weakref.ref(widget)
    method: Callable[[], Callable[[], None] | None] = (
        weakref.WeakMethod(retranslate) if hasattr(retranslate, "__self__")  # type: ignore[arg-type]
        else (lambda: retranslate))

    def listener(_lang: str) -> None:
        alive, call = owner(), method()
        if alive is None or call is None or not shiboken6.isValid(alive):
            i18n.remove_language_listener(listener)
            return
        call()

    i18n.on_language_change(listener)
    widget.destroyed.connect(lambda *_a: i18n.remove_language_listener(listener))


class FieldError(QLabel):
    """The message shown right under a field when its value is refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))


NOT_SET = N_("(not set)")


class ChoiceBox(QComboBox):
    """A drop-down of a vocabulary (codes stored, words shown), optionally with a blank.

    The blank says "(not set)" in a form; a filter passes ``blank_text`` (a msgid marked
    with N_, e.g. "(all types)"), since there the blank means "no filter"."""

    def __init__(self, vocabulary: Mapping[str, str], blank: bool = True,
                 parent: QWidget | None = None, blank_text: str = NOT_SET) -> None:
        super().__init__(parent)
        self._vocabulary = vocabulary
        self._blank = blank
        self._blank_text = blank_text
        self.retranslate()

    def retranslate(self) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        if self._blank:
            self.addItem(_(self._blank_text), None)
        for code, label in self._vocabulary.items():
            self.addItem(_(label), code)
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> str | None:
        data = self.currentData()
        return data if isinstance(data, str) else None

    def set_value(self, code: str | None) -> None:
        index = self.findData(code) if code is not None else (0 if self._blank else -1)
        if index >= 0:
            self.setCurrentIndex(index)


class PartialDate(QWidget):
    """A date typed as YYYY-MM-DD, YYYY-MM or YYYY, with its precision chosen beside it.

    The precision follows what is typed ("2024" a year, "2024-04" a month, "2024-04-02" a
    day) until the user chooses one in the list: a full date then keeps a coarser
    precision chosen on purpose (a day known only roughly)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.precision = ChoiceBox(model.DATE_PRECISIONS, blank=False, parent=self)
        self.precision.set_value("day")
        self.chosen = False  # True once the user picked a precision in the list
        layout.addWidget(self.edit, 2)
        layout.addWidget(self.precision, 1)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._text_changed)
        self.precision.currentIndexChanged.connect(self._precision_changed)
        self.precision.activated.connect(self._precision_chosen)
        self.retranslate()

    def _text_changed(self, text: str) -> None:
        parts = [p for p in text.strip().split("-") if p]
        inferred = {1: "year", 2: "month", 3: "day"}.get(len(parts))
        if len(parts) == 3 and self.chosen and self.precision.value() in ("month", "year"):
            inferred = None  # a day known only roughly: keep the precision chosen
        if inferred and len(parts[0]) == 4 and inferred != self.precision.value():
            self.precision.set_value(inferred)
        self.changed.emit()

    def _precision_chosen(self, _index: int) -> None:
        self.chosen = True

    def _precision_changed(self) -> None:
        self._placeholder()
        self.changed.emit()

    def _placeholder(self) -> None:
        self.edit.setPlaceholderText({"year": _("YYYY"), "month": _("YYYY-MM")}.get(
            self.precision.value() or "day", _("YYYY-MM-DD")))

    def retranslate(self) -> None:
        self.precision.retranslate()
        self._placeholder()
        self.precision.setAccessibleName(_("Date precision"))

    def text(self) -> str:
        return self.edit.text().strip()

    def precision_value(self) -> str | None:
        return self.precision.value()

    def set_values(self, text: str | None, precision: str | None) -> None:
        """A stored date and precision: a precision coarser than the date typed was
        chosen on purpose, and is kept while the date is edited."""
        self.chosen = False
        self.edit.setText(text or "")
        if precision:
            self.precision.set_value(precision)
            parts = [p for p in (text or "").split("-") if p]
            self.chosen = {1: "year", 2: "month", 3: "day"}.get(len(parts)) != precision

    def focus_part(self, name: str) -> None:
        """Focus the date, or its precision for an error about the precision."""
        target = self.precision if name == "date_precision" else self.edit
        target.setFocus(Qt.FocusReason.OtherFocusReason)


class PerpetratorsSelector(QWidget):
    """Alleged perpetrators: several from the list (space toggles) plus free text."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        for code in model.PERPETRATORS:
            item = QListWidgetItem(self.list)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        # Every choice visible at once, at any font size or scale.
        self.list.setFixedHeight(self.list.fontMetrics().lineSpacing()
                                 * (len(model.PERPETRATORS) + 1) + 12)
        self.detail = QLineEdit(self)
        self.detail_label = QLabel(self)
        self.detail_label.setBuddy(self.detail)
        layout.addWidget(self.list)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.detail)
        self.setFocusProxy(self.list)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self.detail.textChanged.connect(self.changed)
        self.retranslate()

    def retranslate(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setText(_(model.PERPETRATORS[item.data(Qt.ItemDataRole.UserRole)]))
        self.list.setAccessibleName(field_label("perpetrators"))
        self.detail_label.setText(_("Perpetrators, in your words (&unit, group, names "
                                    "used locally):"))
        self.detail.setAccessibleName(field_label("perpetrators_detail"))

    def focus_part(self, name: str) -> None:
        target = self.detail if name == "perpetrators_detail" else self.list
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def codes(self) -> list[str]:
        return [self.list.item(r).data(Qt.ItemDataRole.UserRole)
                for r in range(self.list.count())
                if self.list.item(r).checkState() == Qt.CheckState.Checked]

    def set_codes(self, codes: list[str] | None) -> None:
        codes = codes or []
        for row in range(self.list.count()):
            item = self.list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in codes
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class VictimCounts(QGroupBox):
    """Minimum and maximum of killed, injured, abducted, detained and displaced people.

    A box left at its lowest value shows "unknown" and is not stored (unknown ≠ zero).
    """

    changed = Signal()
    UNKNOWN = -1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        self._head_min, self._head_max = QLabel(self), QLabel(self)
        grid.addWidget(self._head_min, 0, 1)
        grid.addWidget(self._head_max, 0, 2)
        self.boxes: dict[str, QSpinBox] = {}
        self._labels: dict[str, QLabel] = {}
        for row, what in enumerate(model.VICTIM_COUNTS, start=1):
            label = QLabel(self)
            grid.addWidget(label, row, 0)
            self._labels[what] = label
            for column, bound in ((1, "min"), (2, "max")):
                box = QSpinBox(self)
                box.setRange(self.UNKNOWN, 10_000_000)
                box.setValue(self.UNKNOWN)
                box.valueChanged.connect(lambda _v: self.changed.emit())
                grid.addWidget(box, row, column)
                self.boxes[f"{what}_{bound}"] = box
            label.setBuddy(self.boxes[f"{what}_min"])
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Victims (leave “unknown” when not known)"))
        self._head_min.setText(_("Minimum"))
        self._head_max.setText(_("Maximum"))
        for what, label in self._labels.items():
            label.setText(_(COUNT_LABELS[what]))
        for name, box in self.boxes.items():
            box.setSpecialValueText(_("unknown"))
            box.setAccessibleName(field_label(name))

    def focus_part(self, name: str) -> None:
        """The box in error ("injured_max"), else the first one."""
        box = self.boxes.get(name) or next(iter(self.boxes.values()))
        box.setFocus(Qt.FocusReason.OtherFocusReason)
        box.selectAll()

    def value(self) -> dict[str, int]:
        return {name: box.value() for name, box in self.boxes.items()
                if box.value() != self.UNKNOWN}

    def set_value(self, body: Mapping[str, Any]) -> None:
        for name, box in self.boxes.items():
            value = body.get(name)
            box.setValue(value if isinstance(value, int) else self.UNKNOWN)


class ConsentChoices(QGroupBox):
    """What the witness agreed to: each use a checkbox, plus the partners named."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.checks: dict[str, QCheckBox] = {}
        for code in model.CONSENTS:
            box = QCheckBox(self)
            box.toggled.connect(lambda _on: self.changed.emit())
            layout.addWidget(box)
            self.checks[code] = box
        self.partners_label = QLabel(self)
        self.partners = QLineEdit(self)
        self.partners_label.setBuddy(self.partners)
        self.partners.textChanged.connect(self.changed)
        layout.addWidget(self.partners_label)
        layout.addWidget(self.partners)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Informed consent: what the witness allows"))
        for code, box in self.checks.items():
            box.setText(_(model.CONSENTS[code]))
        self.partners_label.setText(_("&Named partners (when sharing is allowed):"))
        self.partners.setAccessibleName(field_label("consent_partners"))

    def focus_part(self, name: str) -> None:
        target = self.partners if name == "consent_partners" else \
            next(iter(self.checks.values()))
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> list[str]:
        return [code for code, box in self.checks.items() if box.isChecked()]

    def set_value(self, codes: list[str] | None) -> None:
        codes = codes or []
        for code, box in self.checks.items():
            box.setChecked(code in codes)


IDENTITY_FIELDS = ("name", "phone", "home", "contact", "notes")


class IdentitySection(QGroupBox):
    """The witness's real identity: visibly apart, encrypted to coordinators only."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("identitySection")
        self.setStyleSheet("QGroupBox#identitySection { border: 2px dashed #8a4b00; "
                           "border-radius: 6px; margin-top: 1.5em; padding: 0.6em; "
                           "background: #fff8ef; } QGroupBox#identitySection::title "
                           "{ subcontrol-origin: margin; left: 8px; color: #8a4b00; "
                           "font-weight: bold; }")
        form = QFormLayout(self)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        form.addRow(self.notice)
        self.edits: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for name in IDENTITY_FIELDS:
            edit = QLineEdit(self)
            edit.textChanged.connect(self.changed)
            label = QLabel(self)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.edits[name], self.labels[name] = edit, label
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Identity — coordinators only"))
        self.notice.setText(_("Only coordinators can read this section. Translators and "
                              "other monitors see the witness code, never these details. "
                              "Leave it empty if the witness prefers."))
        shortcuts = {"name": _("Real &name:"), "phone": _("&Phone:"),
                     "home": _("Exact &home:"), "contact": _("Other &contact:"),
                     "notes": _("Identity n&otes:")}
        for name, label in self.labels.items():
            label.setText(shortcuts[name])
            # never clipped, whatever the language (the styled frame measured them short)
            plain = shortcuts[name].replace("&", "")
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(plain) + 6)
            self.edits[name].setAccessibleName(field_label(name))

    def focus_part(self, name: str) -> None:
        edit = self.edits.get(name.split(".")[-1]) or next(iter(self.edits.values()))
        edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> dict[str, str]:
        return {n: e.text().strip() for n, e in self.edits.items() if e.text().strip()}

    def set_value(self, identity: Mapping[str, Any] | None) -> None:
        for name, edit in self.edits.items():
            edit.setText(str((identity or {}).get(name, "")))
