"""``fieldapp`` with no command: open the desktop app, or say in one line why not."""

from __future__ import annotations

import os
from collections.abc import Callable

from ..i18n import _
from .context import Context


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    if os.name == "nt" or os.uname().sysname == "Darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_app(ctx: Context, run_app: Callable[..., int]) -> int:
    """Open the desktop app (``run_app``, given by the composition root) on this profile."""
    if not has_display():
        ctx.err(_("No display found: the desktop app needs a screen (the fieldapp commands "
                  "work without one; see fieldapp --help)."))
        return 1
    return run_app(profile_dir=ctx.profile.path)
