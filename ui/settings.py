"""Settings: language (switched at run time), auto-lock delay, passphrase change, duress
passphrase, a new recovery key (shown once), the project (joining one with an invite).

Every key operation runs on the ``db`` lane (it rewrites the keyslot file and appends to
the vault's audit log), so it is serialised with record writes and never freezes the UI.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.i18n import _, ngettext
from fieldapp.messages import user_message

from .controller import AUTOLOCK_CHOICES, AppController
from .keys import keys_text
from .panic import PANIC_SHORTCUT
from .passphrase import NewPassphrase
from .project.settings_tab import ProjectTab
from .window_size import fit

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language, on purpose


class SettingsDialog(QDialog):
    """Non-blocking (``open()``); changes apply at once, there is nothing to "save"."""

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tabs = QTabWidget()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.tabs.addTab(self._build_general(), "")
        self.tabs.addTab(self._build_passphrases(), "")
        self.tabs.addTab(self._build_recovery(), "")
        self.project = ProjectTab(controller)
        self.project.joined.connect(self._joined)
        self.tabs.addTab(self.project, "")
        self.controller.autolock_changed.connect(self._show_autolock)
        fit(self, QSize(560, 460))
        self.retranslate()

    # --- tabs -------------------------------------------------------------------------
    def _build_general(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.language = QComboBox()
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language_label = QLabel()
        self.language_label.setBuddy(self.language)
        self.autolock = QComboBox()
        self.autolock_label = QLabel()
        self.autolock_label.setBuddy(self.autolock)
        self.shortcut_label = QLabel()
        self.shortcut = QLabel()
        form.addRow(self.language_label, self.language)
        form.addRow(self.autolock_label, self.autolock)
        form.addRow(self.shortcut_label, self.shortcut)
        self._select_language()
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.autolock.activated.connect(self._autolock_chosen)
        return page

    def _build_passphrases(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.change_title = QLabel()
        self.change = NewPassphrase()
        self.change_button = QPushButton()
        self.duress_title = QLabel()
        self.duress_intro = QLabel()
        self.duress_intro.setWordWrap(True)
        self.duress = NewPassphrase()
        self.duress_button = QPushButton()
        for title in (self.change_title, self.duress_title):
            font = title.font()
            font.setBold(True)
            title.setFont(font)
        box.addWidget(self.change_title)
        box.addWidget(self.change)
        box.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignRight)
        box.addWidget(self.duress_title)
        box.addWidget(self.duress_intro)
        box.addWidget(self.duress)
        box.addWidget(self.duress_button, 0, Qt.AlignmentFlag.AlignRight)
        box.addStretch(1)
        self.change.changed.connect(self._update_buttons)
        self.duress.changed.connect(self._update_buttons)
        self.change_button.clicked.connect(self.change_passphrase)
        self.duress_button.clicked.connect(self.set_duress)
        self._update_buttons()
        return page

    def _build_recovery(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.recovery_intro = QLabel()
        self.recovery_intro.setWordWrap(True)
        self.recovery_button = QPushButton()
        self.recovery_key = QLabel()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.3)
        self.recovery_key.setFont(mono)
        self.recovery_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        box.addWidget(self.recovery_intro)
        box.addWidget(self.recovery_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.recovery_key)
        box.addStretch(1)
        self.recovery_button.clicked.connect(self.new_recovery_key)
        return page

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Settings"))
        self.tabs.setTabText(0, _("General"))
        self.tabs.setTabText(1, _("Passphrases"))
        self.tabs.setTabText(2, _("Recovery key"))
        self.tabs.setTabText(3, _("Project"))
        self.project.retranslate()
        self.language_label.setText(_("&Language:"))
        self.autolock_label.setText(_("&Lock after:"))
        self.shortcut_label.setText(_("Panic shortcut (lock at once):"))
        self.shortcut.setText(keys_text(PANIC_SHORTCUT))  # "Ctrl+Maj+L" in French only
        self._fill_autolock()
        self.change_title.setText(_("Change the passphrase"))
        self.change_button.setText(_("&Change the passphrase"))
        self.duress_title.setText(_("Duress passphrase"))
        self.duress_intro.setText(_("If someone forces you to open fieldapp, type this one "
                                    "instead: it silently destroys this profile's data and "
                                    "opens an empty profile that looks normal."))
        self.duress_button.setText(_("Set the &duress passphrase"))
        self.recovery_intro.setText(_("A new recovery key replaces the old one, which stops "
                                      "working. It is shown only once: write it down."))
        self.recovery_button.setText(_("Make a new &recovery key"))
        self.recovery_key.setAccessibleName(_("Recovery key"))
        self.change.retranslate()
        self.duress.retranslate()
        self._select_language()
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))

    def _fill_autolock(self) -> None:
        self.autolock.blockSignals(True)
        self.autolock.clear()
        for minutes in AUTOLOCK_CHOICES:
            self.autolock.addItem(ngettext("{n} minute of inactivity",
                                           "{n} minutes of inactivity", minutes)
                                  .format(n=i18n.format_number(minutes)), minutes)
        self.autolock.blockSignals(False)
        self._show_autolock(self.controller.autolock_minutes)

    def _show_autolock(self, minutes: int) -> None:
        index = self.autolock.findData(minutes)
        if index >= 0:
            self.autolock.setCurrentIndex(index)

    def _select_language(self) -> None:
        index = self.language.findData(i18n.current_language())
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(index, 0) if index >= 0 else -1)
        self.language.blockSignals(False)

    # --- actions ----------------------------------------------------------------------
    def _language_chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code and code != i18n.current_language():
            self.controller.set_language(code)

    def _autolock_chosen(self, index: int) -> None:
        self.controller.set_autolock_minutes(int(self.autolock.itemData(index)))

    def _update_buttons(self) -> None:
        self.change_button.setEnabled(self.change.is_acceptable())
        self.duress_button.setEnabled(self.duress.is_acceptable())

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def _failed(self, exc: BaseException) -> None:
        self._say(user_message(exc))

    def change_passphrase(self) -> None:
        c = self.controller
        if not self.change.is_acceptable() or c.vault is None or c.profile is None:
            return
        self.job = c.ops.run(c.profile.change_passphrase, c.vault, self.change.value(),
                             lane="db", on_done=lambda _r: self._changed(),
                             on_error=self._failed)

    def _changed(self) -> None:
        self.change.clear()
        self._say(_("Passphrase changed."))

    def set_duress(self) -> None:
        c = self.controller
        if not self.duress.is_acceptable() or c.vault is None or c.profile is None:
            return
        self.job = c.ops.run(c.profile.set_duress, c.vault, self.duress.value(), lane="db",
                             on_done=lambda _r: self._duress_set(), on_error=self._failed)

    def _duress_set(self) -> None:
        self.duress.clear()
        self._say(_("Duress passphrase set."))

    def new_recovery_key(self) -> None:
        c = self.controller
        if c.vault is None or c.profile is None:
            return
        self.recovery_button.setEnabled(False)
        self.job = c.ops.run(c.profile.new_recovery_key, c.vault, lane="db",
                             on_done=self._recovery_made, on_error=self._failed)

    def _recovery_made(self, key: str) -> None:
        self.recovery_button.setEnabled(True)
        self.recovery_key.setText(key)
        self._say(_("New recovery key made; the old one no longer works."))

    def _joined(self, _project: object) -> None:
        """Joined from here: the main window's pages follow the new role."""
        window = self.parent()
        if window is not None and hasattr(window, "role_changed"):
            window.role_changed()

    def done(self, result: int) -> None:  # noqa: D102 - forget the key once closed
        self.recovery_key.clear()
        super().done(result)
