"""The composition root: the one module allowed to import all three layers.

``fieldapp`` (the console script) and ``python -m fieldapp.cli`` start here. It puts
together the command groups of the core (`fieldapp.cli.*_cmds`), of sync (`sync.cli`)
and of the server (`sync.server.cli`), and the desktop app's entry point (`ui.app.run`,
which loads Qt only when called) and the PDF drawing of `fieldapp report`
(`ui.report_entry`, the same). Nothing else in `fieldapp` imports `sync` or `ui`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from sync import cli as sync_commands
from sync.server import cli as server_commands
from ui.app import run as run_desktop_app
from ui.report_entry import render_pdf

from . import (
    export_cmds,
    media_cmds,
    misc_cmds,
    places_cmds,
    profile_cmds,
    record_cmds,
    report_cmds,
    run,
)
from .app_launch import launch_app
from .context import Context

COMMAND_GROUPS = (
    profile_cmds.register, record_cmds.register, media_cmds.register, export_cmds.register,
    partial(report_cmds.register, render_pdf=render_pdf), misc_cmds.register,
    places_cmds.register, sync_commands.register, server_commands.register)


def open_desktop_app(ctx: Context) -> int:
    """``fieldapp`` with no command: the desktop app, or one line saying why not."""
    return launch_app(ctx, run_desktop_app)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``fieldapp`` command; returns its exit code."""
    return run(argv, COMMAND_GROUPS, open_desktop_app)


if __name__ == "__main__":
    raise SystemExit(main())
