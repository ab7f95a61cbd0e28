"""A new-passphrase field pair with a strength meter (first run, settings, recovery).

The meter is advice, not a gate: the only hard rule is the core's (at least
`fieldapp.profile.MIN_PASSPHRASE` characters), so the UI never refuses what the CLI
accepts. Strength counts length, character classes and penalises common words.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from fieldapp.i18n import N_, _
from fieldapp.profile import MIN_PASSPHRASE

COMMON_WORDS = (
    "password", "passphrase", "motdepasse", "secret", "azerty", "qwerty", "123456",
    "abcdef", "bonjour", "soleil", "amour", "admin", "letmein", "welcome", "bienvenue",
    "mali", "bamako", "fieldapp", "monitor", "moniteur", "incident", "temoin", "0000",
    "1111", "iloveyou", "football", "dragon", "monkey", "sunshine", "princess",
)
LEVELS = (N_("Too short"), N_("Weak"), N_("Fair"), N_("Good"), N_("Strong"))


def strength(passphrase: str) -> int:
    """0 (refused: shorter than the core accepts) to 4 (strong)."""
    if len(passphrase) < MIN_PASSPHRASE:
        return 0
    classes = sum(bool(re.search(p, passphrase)) for p in
                  (r"[a-z]", r"[A-Z]", r"\d", r"[^\w\s]", r"\s"))
    score = 1 + (len(passphrase) >= 14) + (len(passphrase) >= 20) + (classes >= 3)
    lowered = passphrase.lower()
    if any(word in lowered for word in COMMON_WORDS) or len(set(lowered)) < 5:
        score -= 2
    return max(1, min(4, score))


class NewPassphrase(QWidget):
    """Passphrase + confirmation + meter; ``changed`` when either field changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar()
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.first_label, self.second_label, self.meter_label = QLabel(), QLabel(), QLabel()
        self.first_label.setBuddy(self.first)
        self.second_label.setBuddy(self.second)
        form = self.form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.first_label, self.first)
        form.addRow(self.second_label, self.second)
        form.addRow(self.meter_label, self.meter)
        form.addRow(self.hint)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self.setTabOrder(self.first, self.second)
        self.retranslate()

    def retranslate(self) -> None:
        self.first_label.setText(_("&Passphrase:"))
        self.second_label.setText(_("&Type it again:"))
        self.meter_label.setText(_("Strength:"))
        self.first.setAccessibleName(_("New passphrase"))
        self.second.setAccessibleName(_("New passphrase, again"))
        self.meter.setAccessibleName(_("Passphrase strength"))
        self.first.setPlaceholderText(_("at least {n} characters; a few words are best")
                                      .format(n=MIN_PASSPHRASE))
        self._update()

    def _update(self) -> None:
        level = strength(self.first.text())
        self.meter.setValue(level)
        self.meter.setFormat(_(LEVELS[level]))
        self.hint.setText(self.problem() or "")
        self.changed.emit()

    def problem(self) -> str | None:
        """Why the pair cannot be used yet (translated), or None."""
        text = self.first.text()
        if not text:
            return None
        if len(text) < MIN_PASSPHRASE:
            return _("Use at least {n} characters.").format(n=MIN_PASSPHRASE)
        if self.second.text() and self.second.text() != text:
            return _("The two passphrases differ.")
        return None

    def is_acceptable(self) -> bool:
        text = self.first.text()
        return len(text) >= MIN_PASSPHRASE and self.second.text() == text

    def value(self) -> str:
        return self.first.text()

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
