"""The first-run window: create a profile, join a project with an invite, or try the demo.

Creating a profile runs Argon2id calibration and key wrapping on the ``cpu`` lane with a
busy indicator; the recovery key is then shown once and must be confirmed by typing back
its last group. Joining reads an invite (file or paste), shows the coordinators'
fingerprints to compare by voice or on paper, then creates the profile and calls the sync
client's ``join`` when the sync module provides one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp import demo
from fieldapp.crypto.kdf import DEFAULT_SECONDS
from fieldapp.i18n import _
from fieldapp.messages import user_message
from fieldapp.profile import Profile, Vault

from . import file_dialogs, sync_bridge
from .ops import Job, Ops
from .window_size import fit

MAX_INVITE_BYTES = sync_bridge.MAX_INVITE_BYTES


def _title_font() -> QFont:
    font = QFont()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    return font


def create_profile(path: Path, pseudonym: str, passphrase: str,
                   kdf_seconds: float) -> tuple[Vault, str]:
    """Worker: a new profile whose vault may then be used from the db worker thread."""
    vault, recovery = Profile(path).create(pseudonym, passphrase, kdf_seconds)
    return _shareable(vault), recovery


def open_demo(path: Path) -> Vault:
    """Worker: a fresh demo profile, filled, usable from the db worker thread."""
    return _shareable(demo.create_demo_profile(path, demo.DEMO_PASSPHRASE))


def _shareable(vault: Vault) -> Vault:
    # The vault was opened on this worker thread; give it a connection any thread may use
    # (the db lane serialises the writes).
    shared = vault.reader(check_same_thread=False)
    vault.close()
    vault.conn = shared
    return vault


class FirstRunWindow(QWidget):
    """Shown when no profile exists. ``opened(vault, profile, is_demo)`` when done."""

    opened = Signal(object, object, bool)

    def __init__(self, profile_dir: Path, ops: Ops, *, kdf_seconds: float = DEFAULT_SECONDS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile_dir = Path(profile_dir)
        self.ops = ops
        self.kdf_seconds = kdf_seconds
        self.job: Job | None = None
        self.invite: sync_bridge.Invite | None = None
        self._invite_path: Path | None = None
        self._pending: tuple[Vault, Profile] | None = None
        self._recovery = ""
        self.stack = QStackedWidget()
        self.title = QLabel()
        self.title.setFont(_title_font())
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9a3412;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        self._build_choose()
        self._build_create()
        self._build_recovery()
        self._build_join()
        fit(self, QSize(640, 520))
        self.retranslate()

    # --- pages ------------------------------------------------------------------------
    def _build_choose(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.create_button = QPushButton()
        self.join_button = QPushButton()
        self.demo_button = QPushButton()
        self.demo_hint = QLabel()
        self.demo_hint.setWordWrap(True)
        for button in (self.create_button, self.join_button, self.demo_button):
            button.setMinimumHeight(44)
        box.addWidget(self.intro)
        box.addWidget(self.create_button)
        box.addWidget(self.join_button)
        box.addWidget(self.demo_button)
        box.addWidget(self.demo_hint)
        box.addStretch(1)
        self.create_button.clicked.connect(self.show_create)
        self.join_button.clicked.connect(self.show_join)
        self.demo_button.clicked.connect(self.start_demo)
        self.choose_page = page
        self.stack.addWidget(page)

    def _build_create(self) -> None:
        from .passphrase import NewPassphrase

        page = QWidget()
        box = QVBoxLayout(page)
        self.create_intro = QLabel()
        self.create_intro.setWordWrap(True)
        self.pseudonym = QLineEdit()
        self.pseudonym.setMaxLength(60)
        self.pseudonym_label = QLabel()
        self.pseudonym_label.setBuddy(self.pseudonym)
        self.passphrase = NewPassphrase()
        self.passphrase.form.insertRow(0, self.pseudonym_label, self.pseudonym)  # one column
        buttons = QHBoxLayout()
        self.create_back = QPushButton()
        self.create_ok = QPushButton()
        self.create_ok.setDefault(True)
        buttons.addWidget(self.create_back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_ok)
        box.addWidget(self.create_intro)
        box.addWidget(self.passphrase)
        box.addStretch(1)
        box.addLayout(buttons)
        self.pseudonym.textChanged.connect(self._update_create)
        self.passphrase.changed.connect(self._update_create)
        self.create_ok.clicked.connect(self.submit_create)
        self.passphrase.second.returnPressed.connect(self.submit_create)
        self.create_back.clicked.connect(self.show_choose)
        # Pseudonym, passphrase, the same again, then Create; Back last. (The passphrase
        # pair came from another widget: without the whole chain, Tab from the
        # passphrase jumped to Back.)
        chain = (self.pseudonym, self.passphrase.first, self.passphrase.second,
                 self.create_ok, self.create_back)
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)
        self.create_page = page
        self.stack.addWidget(page)

    def _build_recovery(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.recovery_intro = QLabel()
        self.recovery_intro.setWordWrap(True)
        self.recovery_key = QLabel()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.3)
        self.recovery_key.setFont(mono)
        self.recovery_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.recovery_key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.recovery_check = QLineEdit()
        self.recovery_check.setMaxLength(9)
        self.recovery_check_label = QLabel()
        self.recovery_check_label.setBuddy(self.recovery_check)
        self.recovery_ok = QPushButton()
        self.recovery_ok.setDefault(True)
        self.recovery_ok.setEnabled(False)
        form = QFormLayout()
        form.addRow(self.recovery_check_label, self.recovery_check)
        box.addWidget(self.recovery_intro)
        box.addWidget(self.recovery_key)
        box.addLayout(form)
        box.addStretch(1)
        box.addWidget(self.recovery_ok, 0, Qt.AlignmentFlag.AlignRight)
        self.recovery_wrong = QLabel()
        self.recovery_wrong.setWordWrap(True)
        self.recovery_wrong.setStyleSheet("color: #9a3412;")
        self.recovery_wrong.hide()
        form.addRow(self.recovery_wrong)
        self.recovery_check.textChanged.connect(self._update_recovery)
        self.recovery_check.returnPressed.connect(self.confirm_recovery)
        self.recovery_ok.clicked.connect(self.confirm_recovery)
        self.recovery_page = page
        self.stack.addWidget(page)

    def _build_join(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.join_intro = QLabel()
        self.join_intro.setWordWrap(True)
        self.invite_text = QPlainTextEdit()
        self.invite_label = QLabel()
        self.invite_label.setBuddy(self.invite_text)
        self.invite_text.setTabChangesFocus(True)
        row = QHBoxLayout()
        self.invite_file = QPushButton()
        self.invite_check = QPushButton()
        row.addWidget(self.invite_file)
        row.addStretch(1)
        row.addWidget(self.invite_check)
        self.fingerprints = QLabel()
        self.fingerprints.setWordWrap(True)
        self.fingerprints.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprints_match = QCheckBox()
        self.fingerprints_match.hide()
        buttons = QHBoxLayout()
        self.join_back = QPushButton()
        self.join_next = QPushButton()
        self.join_next.setEnabled(False)
        buttons.addWidget(self.join_back)
        buttons.addStretch(1)
        buttons.addWidget(self.join_next)
        box.addWidget(self.join_intro)
        box.addWidget(self.invite_label)
        box.addWidget(self.invite_text, 1)
        box.addLayout(row)
        box.addWidget(self.fingerprints)
        box.addWidget(self.fingerprints_match)
        box.addLayout(buttons)
        self.invite_file.clicked.connect(self._pick_invite_file)
        self.invite_check.clicked.connect(self.check_invite)
        self.fingerprints_match.toggled.connect(self.join_next.setEnabled)
        self.join_next.clicked.connect(self.show_create)
        self.join_back.clicked.connect(self.show_choose)
        self.join_page = page
        self.stack.addWidget(page)

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("fieldapp — welcome"))
        self.intro.setText(_("No profile on this computer yet. Everything you record stays "
                             "encrypted on this laptop until you send it."))
        self.create_button.setText(_("&Create a profile"))
        self.join_button.setText(_("&Join a project with an invite"))
        self.demo_button.setText(_("Try the &demo"))
        self.demo_hint.setText(_("The demo opens about thirty invented sample records. Its "
                                 "passphrase is “{passphrase}”.").format(
                                     passphrase=demo.DEMO_PASSPHRASE))
        self.create_intro.setText(_("Choose a pseudonym (never your real name) and a "
                                    "passphrase. Nobody can recover the passphrase for you; "
                                    "the recovery key shown next is the only way back."))
        self.pseudonym_label.setText(_("P&seudonym:"))
        self.pseudonym.setPlaceholderText(_("for example Sahel-7"))
        self.pseudonym.setAccessibleName(_("Pseudonym"))
        self.create_back.setText(_("&Back"))
        self.create_ok.setText(_("Create the &profile"))
        self.recovery_intro.setText(_("Your recovery key is shown only once. Write it on "
                                      "paper and keep it apart from this laptop: it opens the "
                                      "profile if you forget the passphrase."))
        self.recovery_key.setAccessibleName(_("Recovery key"))
        self.recovery_check_label.setText(_("Type its &last group:"))
        self.recovery_check.setAccessibleName(_("Last group of the recovery key"))
        self.recovery_ok.setText(_("I wrote it &down, continue"))
        if self.recovery_wrong.isVisible():
            self._show_recovery_wrong(True)
        self.join_intro.setText(_("A coordinator gives you an invite as a file or as text. "
                                  "Compare the fingerprints shown with the ones the "
                                  "coordinator reads to you."))
        self.invite_label.setText(_("&Invite:"))
        self.invite_text.setPlaceholderText(_("paste the invite here"))
        self.invite_text.setAccessibleName(_("Invite"))
        self.invite_file.setText(_("Open an invite &file…"))
        self.invite_check.setText(_("&Check the invite"))
        self.fingerprints_match.setText(_("The fingerprints &match what the coordinator "
                                          "told me"))
        self.join_back.setText(_("&Back"))
        self.join_next.setText(_("&Next"))
        self.passphrase.retranslate()
        self._update_titles()
        if self.invite is not None:
            self._show_fingerprints()

    def _update_titles(self) -> None:
        page = self.stack.currentWidget()
        titles = {self.choose_page: _("Welcome to fieldapp"),
                  self.create_page: _("Create a profile"),
                  self.recovery_page: _("Your recovery key"),
                  self.join_page: _("Join a project")}
        self.title.setText(titles.get(page, ""))

    # --- navigation -------------------------------------------------------------------
    def _go(self, page: QWidget, focus: QWidget | None = None) -> None:
        self.error.hide()
        self.stack.setCurrentWidget(page)
        self._update_titles()
        if focus is not None:
            focus.setFocus()

    def show_choose(self) -> None:
        self.invite = None
        self._invite_path = None
        self._go(self.choose_page, self.create_button)

    def show_create(self) -> None:
        self._update_create()
        self._go(self.create_page, self.pseudonym)

    def show_join(self) -> None:
        self._go(self.join_page, self.invite_text)

    def _fail(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.error.setText(user_message(exc))
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.stack.setEnabled(not busy)

    # --- create -----------------------------------------------------------------------
    def _update_create(self) -> None:
        self.create_ok.setEnabled(bool(self.pseudonym.text().strip())
                                  and self.passphrase.is_acceptable())

    def submit_create(self) -> None:
        if not self.create_ok.isEnabled():
            return
        self._set_busy(True)
        self.job = self.ops.run(create_profile, self.profile_dir, self.pseudonym.text().strip(),
                                self.passphrase.value(), self.kdf_seconds, lane="cpu",
                                on_done=self._created, on_error=self._fail)

    def _created(self, result: tuple[Vault, str]) -> None:
        vault, recovery = result
        self._set_busy(False)
        self.passphrase.clear()
        self._pending = (vault, vault.profile)
        self._recovery = recovery
        self.recovery_key.setText(recovery)
        self.recovery_check.clear()
        self._go(self.recovery_page, self.recovery_check)

    def _update_recovery(self) -> None:
        last = self._recovery.rsplit("-", 1)[-1]
        typed = self.recovery_check.text().strip().upper()
        self.recovery_ok.setEnabled(bool(last) and typed == last)
        # Say so as soon as a whole group is typed and it is not the right one.
        self._show_recovery_wrong(bool(last) and len(typed) >= len(last) and typed != last)

    def _show_recovery_wrong(self, wrong: bool) -> None:
        self.recovery_wrong.setText(_("This is not the last group of the key shown above. "
                                      "Look at the key again: the last group comes after "
                                      "the last dash.") if wrong else "")
        self.recovery_wrong.setVisible(wrong)

    def confirm_recovery(self) -> None:
        if not self.recovery_ok.isEnabled() and self.recovery_check.text().strip():
            self._show_recovery_wrong(True)  # Enter on a wrong or partial group
            return
        if not self.recovery_ok.isEnabled() or self._pending is None:
            return
        vault, profile = self._pending
        self._pending = None
        self._recovery = ""
        self.recovery_key.clear()
        if self.invite is not None:
            self._join(vault, profile)
            return
        self.opened.emit(vault, profile, False)

    # --- join -------------------------------------------------------------------------
    def _pick_invite_file(self) -> None:
        name = file_dialogs.open_file(self, _("Open an invite"))
        if name:
            self.load_invite_file(Path(name))

    def load_invite_file(self, path: Path) -> None:
        """Read the invite file at ``path`` and check it at once."""
        try:
            text = sync_bridge.read_invite_file(path)
        except OSError as exc:
            self._fail(exc)
            return
        except sync_bridge.InviteTooLarge:
            self.error.setText(_("This file is too large to be an invite."))
            self.error.show()
            return
        self.invite_text.setPlainText(text)
        self._invite_path = path
        self.check_invite()

    def check_invite(self) -> None:
        """Read the invite through the sync client and show the fingerprints to compare."""
        self.error.hide()
        self.invite = None
        self.fingerprints.clear()
        for widget in (self.invite_text, self.invite_label, self.invite_check):
            widget.show()
        self.fingerprints_match.hide()
        self.fingerprints_match.setChecked(False)
        text = self.invite_text.toPlainText()
        path = self._invite_path
        if path is not None and path.is_file() and \
                path.read_bytes()[:MAX_INVITE_BYTES].decode("utf-8", "replace") != text:
            path = None  # edited after loading: check what is shown
        try:
            self.invite = sync_bridge.read_invite(text, path)
        except Exception as exc:  # noqa: BLE001 - any bad invite becomes one line
            self._fail(exc)
            return
        self._show_fingerprints()

    def _show_fingerprints(self) -> None:
        """The invite in words (project, role, fingerprints), in place of its JSON."""
        from .project.join import invite_summary

        self.fingerprints.setText(invite_summary(self.invite))
        self.invite_text.hide()
        self.invite_label.hide()
        self.invite_check.hide()
        self.fingerprints_match.show()
        self.fingerprints_match.setFocus()

    def _join(self, vault: Vault, profile: Profile) -> None:
        self._set_busy(True)

        def joined(_result: object) -> None:
            # The joiner reads its own fingerprint to the coordinator, who approves it.
            from .messages_box import show_message
            from .project.bridge import project
            from .project.join import waiting_text

            self._set_busy(False)
            self.opened.emit(vault, profile, False)
            found = project(vault)
            if found is not None and found.state != "approved":
                show_message(waiting_text(found) + "\n\n" + found.fingerprint)

        def failed(exc: BaseException) -> None:
            # The profile exists and is usable; joining can be retried later. Say why in
            # the calm box, which outlives this window.
            from .messages_box import show_error

            self._set_busy(False)
            self.opened.emit(vault, profile, False)
            show_error(exc)

        self.job = self.ops.run(sync_bridge.join, vault, self.invite, lane="net",
                                on_done=joined, on_error=failed)

    # --- demo -------------------------------------------------------------------------
    def start_demo(self) -> None:
        self._set_busy(True)
        path = demo.new_demo_folder()
        self.job = self.ops.run(open_demo, path, lane="cpu",
                                on_done=lambda vault: self._demo_ready(vault),
                                on_error=self._fail)

    def _demo_ready(self, vault: Vault) -> None:
        self._set_busy(False)
        self.opened.emit(vault, vault.profile, True)
