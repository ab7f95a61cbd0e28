"""The ``fieldapp`` command line.

Errors are one translated line on stderr and exit 1 (the operation failed) or 2 (bad usage
or input), never a traceback. Each command group lives in its own module with a
``register(subparsers)`` function; handlers take ``(ctx, args)`` and return an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .. import i18n
from ..i18n import _
from ..messages import exit_code, user_message
from .context import Context, UsageError

COMMAND_MODULES = (
    "fieldapp.cli.profile_cmds",
    "fieldapp.cli.record_cmds",
    "fieldapp.cli.media_cmds",
    "fieldapp.cli.export_cmds",
    "fieldapp.cli.report_cmds",
    "fieldapp.cli.misc_cmds",
    "fieldapp.cli.places_cmds",
    "sync.cli",
    "sync.server.cli",
)


class Parser(argparse.ArgumentParser):
    """argparse with translated, one-line usage errors (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(_("fieldapp: bad usage: {message} (see --help)").format(
            message=message) + "\n")
        raise SystemExit(2)


def _translate_argparse() -> None:
    # argparse looks its strings up through module-level gettext names at call time.
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def _prescan_lang(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fieldapp", description=_(
        "Record incidents and testimonies offline, encrypted; sync them when a link appears."))
    parser.add_argument("--profile", metavar=_("DIR"),
                        help=_("profile folder (default: FIELDAPP_PROFILE or the user data "
                               "folder)"))
    parser.add_argument("--lang", choices=["fr", "en"],
                        help=_("language of messages (default: FIELDAPP_LANG or the system)"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_prescan_lang(argv))
    _translate_argparse()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    ctx = Context(args)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from .app_launch import launch_app
            return launch_app(ctx)
        return int(handler(ctx, args) or 0)
    except UsageError as exc:
        sys.stderr.write(_("fieldapp: bad usage: {message} (see --help)").format(
            message=str(exc)) + "\n")
        return 2
    except KeyboardInterrupt as exc:
        sys.stderr.write(user_message(exc) + "\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place errors become messages
        sys.stderr.write(user_message(exc) + "\n")
        return exit_code(exc)
    finally:
        ctx.close()


if __name__ == "__main__":
    raise SystemExit(main())
