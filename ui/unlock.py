"""The unlock window: passphrase, or the recovery key followed by a new passphrase.

Argon2id runs on the ``cpu`` lane, so the window never freezes. Errors (wrong
passphrase, too many attempts and the wait) are shown inline through
`fieldapp.messages.user_message`. A duress passphrase takes exactly this path: the core
(`Profile.unlock`) destroys the real data and returns the decoy vault; this window cannot
tell and shows nothing different.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp import demo
from fieldapp.errors import TooManyAttempts
from fieldapp.i18n import _
from fieldapp.messages import user_message
from fieldapp.profile import Profile, Vault

from .first_run import _title_font
from .ops import Job, Ops
from .passphrase import NewPassphrase
from .window_size import fit


def unlock(profile: Profile, passphrase: str) -> Vault:
    """Worker (cpu lane): the vault the passphrase opens, usable from the db thread."""
    return profile.unlock(passphrase, check_same_thread=False)


def unlock_with_recovery(profile: Profile, key: str) -> Vault:
    return profile.unlock_with_recovery(key, check_same_thread=False)


class UnlockWindow(QWidget):
    """``unlocked(vault)`` once a passphrase (or the recovery key + a new one) worked."""

    unlocked = Signal(object)

    def __init__(self, profile: Profile, ops: Ops, *, is_demo: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.ops = ops
        self.is_demo = is_demo
        self.job: Job | None = None
        self._recovered: Vault | None = None
        self.title = QLabel()
        self.title.setFont(_title_font())
        self.stack = QStackedWidget()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9a3412;")
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        self._build_passphrase()
        self._build_recovery()
        self._build_new_passphrase()
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._throttle_over)
        fit(self, QSize(520, 300))
        self.retranslate()
        self.passphrase.setFocus()

    def _build_passphrase(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_label = QLabel()
        self.passphrase_label.setBuddy(self.passphrase)
        form.addRow(self.passphrase_label, self.passphrase)
        self.demo_hint = QLabel()
        self.demo_hint.setVisible(self.is_demo)
        buttons = QHBoxLayout()
        self.use_recovery = QPushButton()
        self.unlock_button = QPushButton()
        self.unlock_button.setDefault(True)
        buttons.addWidget(self.use_recovery)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        box.addLayout(form)
        box.addWidget(self.demo_hint)
        box.addStretch(1)
        box.addLayout(buttons)
        self.passphrase.returnPressed.connect(self.submit)
        self.unlock_button.clicked.connect(self.submit)
        self.use_recovery.clicked.connect(self.show_recovery)
        self.setTabOrder(self.passphrase, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.use_recovery)
        self.passphrase_page = page
        self.stack.addWidget(page)

    def _build_recovery(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.recovery_intro = QLabel()
        self.recovery_intro.setWordWrap(True)
        form = QFormLayout()
        self.recovery = QLineEdit()
        self.recovery_label = QLabel()
        self.recovery_label.setBuddy(self.recovery)
        form.addRow(self.recovery_label, self.recovery)
        buttons = QHBoxLayout()
        self.recovery_back = QPushButton()
        self.recovery_ok = QPushButton()
        buttons.addWidget(self.recovery_back)
        buttons.addStretch(1)
        buttons.addWidget(self.recovery_ok)
        box.addWidget(self.recovery_intro)
        box.addLayout(form)
        box.addStretch(1)
        box.addLayout(buttons)
        self.recovery.returnPressed.connect(self.submit_recovery)
        self.recovery_ok.clicked.connect(self.submit_recovery)
        self.recovery_back.clicked.connect(self.show_passphrase)
        self.recovery_page = page
        self.stack.addWidget(page)

    def _build_new_passphrase(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.new_intro = QLabel()
        self.new_intro.setWordWrap(True)
        self.new_passphrase = NewPassphrase()
        self.new_ok = QPushButton()
        self.new_ok.setEnabled(False)
        box.addWidget(self.new_intro)
        box.addWidget(self.new_passphrase)
        box.addStretch(1)
        box.addWidget(self.new_ok)
        self.new_passphrase.changed.connect(
            lambda: self.new_ok.setEnabled(self.new_passphrase.is_acceptable()))
        self.new_passphrase.second.returnPressed.connect(self.submit_new_passphrase)
        self.new_ok.clicked.connect(self.submit_new_passphrase)
        self.new_page = page
        self.stack.addWidget(page)

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("fieldapp — locked"))
        self.passphrase_label.setText(_("&Passphrase:"))
        self.passphrase.setAccessibleName(_("Passphrase"))
        self.demo_hint.setText(_("Demo profile: the passphrase is “{passphrase}”.").format(
            passphrase=demo.DEMO_PASSPHRASE))
        self.use_recovery.setText(_("Use the &recovery key"))
        self.unlock_button.setText(_("&Unlock"))
        self.recovery_intro.setText(_("Type the recovery key you wrote down when the profile "
                                      "was created. You will then choose a new passphrase."))
        self.recovery_label.setText(_("&Recovery key:"))
        self.recovery.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.recovery.setAccessibleName(_("Recovery key"))
        self.recovery_back.setText(_("&Back"))
        self.recovery_ok.setText(_("&Open"))
        self.new_intro.setText(_("Choose a new passphrase for this profile."))
        self.new_ok.setText(_("&Save the new passphrase"))
        self.new_passphrase.retranslate()
        self._update_title()

    def _update_title(self) -> None:
        page = self.stack.currentWidget()
        if page is self.recovery_page:
            self.title.setText(_("Open with the recovery key"))
        elif page is self.new_page:
            self.title.setText(_("New passphrase"))
        else:
            self.title.setText(_("This profile is locked"))

    # --- navigation -------------------------------------------------------------------
    def _go(self, page: QWidget, focus: QWidget) -> None:
        self.error.hide()
        self.stack.setCurrentWidget(page)
        self._update_title()
        focus.setFocus()

    def show_passphrase(self) -> None:
        self._go(self.passphrase_page, self.passphrase)

    def show_recovery(self) -> None:
        self._go(self.recovery_page, self.recovery)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.stack.setEnabled(not busy)

    def _fail(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.error.setText(user_message(exc))
        self.error.show()
        if isinstance(exc, TooManyAttempts):
            seconds = int(exc.params.get("seconds", 1) or 1)
            self.unlock_button.setEnabled(False)
            self.recovery_ok.setEnabled(False)
            self._retry.start(seconds * 1000)
        focus = self.recovery if self.stack.currentWidget() is self.recovery_page \
            else self.passphrase
        focus.selectAll()
        focus.setFocus()

    def _throttle_over(self) -> None:
        self.unlock_button.setEnabled(True)
        self.recovery_ok.setEnabled(True)
        self.error.hide()

    # --- actions ----------------------------------------------------------------------
    def submit(self) -> None:
        if not self.unlock_button.isEnabled() or not self.passphrase.text():
            return
        self._set_busy(True)
        self.job = self.ops.run(unlock, self.profile, self.passphrase.text(), lane="cpu",
                                on_done=self._opened, on_error=self._fail)

    def _opened(self, vault: Vault) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        self.unlocked.emit(vault)

    def submit_recovery(self) -> None:
        if not self.recovery_ok.isEnabled() or not self.recovery.text().strip():
            return
        self._set_busy(True)
        self.job = self.ops.run(unlock_with_recovery, self.profile, self.recovery.text(),
                                lane="cpu", on_done=self._recovered_ok, on_error=self._fail)

    def _recovered_ok(self, vault: Vault) -> None:
        self._set_busy(False)
        self.recovery.clear()
        self._recovered = vault
        self._go(self.new_page, self.new_passphrase.first)

    def submit_new_passphrase(self) -> None:
        vault = self._recovered
        if vault is None or not self.new_passphrase.is_acceptable():
            return
        self._set_busy(True)
        self.job = self.ops.run(self.profile.change_passphrase, vault,
                                self.new_passphrase.value(), lane="db",
                                on_done=lambda _r: self._new_passphrase_saved(vault),
                                on_error=self._fail)

    def _new_passphrase_saved(self, vault: Vault) -> None:
        self._set_busy(False)
        self.new_passphrase.clear()
        self._recovered = None
        self.unlocked.emit(vault)
