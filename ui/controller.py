"""What the main window may ask of the app shell: lock, panic, settings, the language.

The shell (`ui.app.Shell`) implements these; the main window only calls them, so it never
needs to know how locking, shredding or the settings dialog work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from fieldapp import i18n
from fieldapp.records import transaction

from .window_size import WindowSizes

if TYPE_CHECKING:
    from fieldapp.profile import Profile, Vault

    from .ops import Ops


DEFAULT_AUTOLOCK_MINUTES = 5
AUTOLOCK_CHOICES = (1, 2, 5, 10, 15, 30, 60)


def save_setting(vault: Vault, key: str, value: str) -> None:
    """Worker (db lane): one vault setting, in its own transaction."""
    with transaction(vault.conn):
        vault.set_setting(key, value)


def read_autolock(vault: Vault) -> int:
    """Worker (db lane): the auto-lock delay stored in the vault, or the default."""
    try:
        value = int(vault.setting("autolock_minutes", "") or DEFAULT_AUTOLOCK_MINUTES)
    except ValueError:
        return DEFAULT_AUTOLOCK_MINUTES
    return value if value in AUTOLOCK_CHOICES else DEFAULT_AUTOLOCK_MINUTES


class AppController(QObject):
    """The shell's face towards the main window (and any other window after unlock)."""

    language_changed = Signal(str)   # "fr" / "en" / "qps", after every run-time switch
    lock_requested = Signal()        # emitted by lock(); the shell closes everything
    panic_requested = Signal()       # emitted by panic(); the shell locks, then asks
    settings_requested = Signal()    # emitted by open_settings()
    locked = Signal()                # the vault is closed and the unlock window shows
    autolock_changed = Signal(int)   # minutes of idle before locking

    def __init__(self, ops: Ops, profile: Profile | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.profile = profile
        self.vault: Vault | None = None
        self._autolock = DEFAULT_AUTOLOCK_MINUTES
        #: window sizes to give back when a window opens again (the shell keeps them)
        self.window_sizes = WindowSizes()

    def lock(self) -> None:
        """Lock at once: close the vault and every window, show the unlock window."""
        self.lock_requested.emit()

    def panic(self) -> None:
        """Lock at once, then offer to shred the profile (only after confirmation)."""
        self.panic_requested.emit()

    @property
    def autolock_minutes(self) -> int:
        """Idle minutes before the app locks itself (vault setting, default 5)."""
        return self._autolock

    def load_settings(self) -> None:
        """Read this vault's settings on the db lane (after unlock), then apply them."""
        if self.vault is None:
            return
        self.ops.run(read_autolock, self.vault, lane="db", on_done=self._apply_autolock)

    def _apply_autolock(self, minutes: int) -> None:
        self._autolock = minutes
        self.autolock_changed.emit(minutes)

    def set_autolock_minutes(self, minutes: int) -> None:
        """Store the delay in the vault (db lane) and apply it at once."""
        if minutes not in AUTOLOCK_CHOICES or self.vault is None:
            return
        self.ops.run(save_setting, self.vault, "autolock_minutes", str(minutes), lane="db")
        self._apply_autolock(minutes)

    def set_language(self, lang: str) -> None:
        """Switch the whole app to ``lang`` at run time (every window retranslates)."""
        i18n.set_language(lang)

    def open_settings(self) -> None:
        """Open the settings dialog (language, auto-lock, passphrases, recovery key)."""
        self.settings_requested.emit()
