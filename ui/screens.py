"""The registry of main screens, for the screenshot and pseudo-locale tests.

Each entry builds one top-level widget, filled and ready to be shown, from a
`ScreenContext` (an unlocked demo vault with ~30 records, the Ops helper, the controller).
Append your screens with ``@screen("name")``; builders import their module lazily so this
file stays cheap to import. ``tests/gui/test_screenshots.py`` shows each one in French and
English (and at 200 % scale), writes a PNG, and in the pseudo-locale fails on any visible
string that escaped gettext.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from fieldapp.profile import Profile, Vault

    from .controller import AppController
    from .ops import Ops


@dataclass
class ScreenContext:
    """What a screen builder gets: everything is real (a demo vault on disk)."""

    ops: Ops
    controller: AppController
    profile: Profile
    vault: Vault
    tmp: Path
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Screen:
    name: str
    build: Callable[[ScreenContext], QWidget]
    #: visible strings allowed to stay untranslated in the pseudo-locale (user data, ids)
    allow: tuple[str, ...] = ()


SCREENS: list[Screen] = []


def screen(name: str, allow: tuple[str, ...] = ()) -> Callable[
        [Callable[[ScreenContext], QWidget]], Callable[[ScreenContext], QWidget]]:
    """Register a screen builder under ``name`` (a file-name-safe word)."""
    def register(build: Callable[[ScreenContext], QWidget]) -> Callable[[ScreenContext],
                                                                       QWidget]:
        SCREENS.append(Screen(name, build, allow))
        return build
    return register


# --- the shell's screens (U1) -------------------------------------------------------------
@screen("first_run")
def _first_run(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    return FirstRunWindow(ctx.tmp / "new-profile", ctx.ops, kdf_seconds=0)


@screen("first_run_create")
def _first_run_create(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    window = FirstRunWindow(ctx.tmp / "new-profile-2", ctx.ops, kdf_seconds=0)
    window.show_create()
    return window


@screen("first_run_join")
def _first_run_join(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    window = FirstRunWindow(ctx.tmp / "new-profile-3", ctx.ops, kdf_seconds=0)
    window.show_join()
    return window


@screen("unlock")
def _unlock(ctx: ScreenContext) -> QWidget:
    from .unlock import UnlockWindow

    return UnlockWindow(ctx.profile, ctx.ops)


@screen("unlock_recovery")
def _unlock_recovery(ctx: ScreenContext) -> QWidget:
    from .unlock import UnlockWindow

    window = UnlockWindow(ctx.profile, ctx.ops)
    window.show_recovery()
    return window


@screen("settings", allow=("Français", "English", "Ctrl+Shift+L"))
def _settings(ctx: ScreenContext) -> QWidget:
    from .settings import SettingsDialog

    return SettingsDialog(ctx.controller)


@screen("panic_confirm")
def _panic(ctx: ScreenContext) -> QWidget:
    from .panic import PanicDialog

    return PanicDialog()


# --- the main window's screens (U2) append below -----------------------------------------
