"""What the main window may ask of the app shell: lock, panic, settings, the language.

The shell (`ui.app.Shell`) implements these; the main window only calls them, so it never
needs to know how locking, shredding or the settings dialog work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from fieldapp.profile import Profile, Vault

    from .ops import Ops


class AppController(QObject):
    """The shell's face towards the main window (and any other window after unlock)."""

    language_changed = Signal(str)   # "fr" / "en" / "qps", after every run-time switch
    lock_requested = Signal()        # emitted by lock(); the shell closes everything
    panic_requested = Signal()       # emitted by panic(); the shell locks, then asks
    settings_requested = Signal()    # emitted by open_settings()
    locked = Signal()                # the vault is closed and the unlock window shows

    def __init__(self, ops: Ops, profile: Profile | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.profile = profile
        self.vault: Vault | None = None

    def lock(self) -> None:
        """Lock at once: close the vault and every window, show the unlock window."""
        self.lock_requested.emit()

    def panic(self) -> None:
        """Lock at once, then offer to shred the profile (only after confirmation)."""
        self.panic_requested.emit()

    def open_settings(self) -> None:
        """Open the settings dialog (language, auto-lock, passphrases, recovery key)."""
        self.settings_requested.emit()
