"""The ``fieldapp`` command line's machinery: the parser and the run loop.

Errors are one translated line on stderr and exit 1 (the operation failed) or 2 (bad usage
or input), never a traceback. Each command group lives in its own module with a
``register(subparsers)`` function; handlers take ``(ctx, args)`` and return an exit code.

The command groups of all three layers and the desktop app's entry point are put together
in `fieldapp.cli.root` (the composition root), not here: this package imports only the core.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import i18n
from ..i18n import _
from ..messages import exit_code, user_message
from .context import Context, UsageError

Launch = Callable[[Context], int]
Register = Callable[[argparse._SubParsersAction], None]


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


def build_parser(groups: Sequence[Register]) -> argparse.ArgumentParser:
    """The parser with every command of ``groups`` (each a ``register(sub)`` function)."""
    parser = Parser(prog="fieldapp", description=_(
        "Record incidents and testimonies offline, encrypted; sync them when a link appears."))
    parser.add_argument("--profile", metavar=_("DIR"),
                        help=_("profile folder (default: FIELDAPP_PROFILE or the user data "
                               "folder)"))
    parser.add_argument("--lang", choices=["fr", "en"], metavar=_("LANGUAGE"),
                        help=_("language of messages (default: FIELDAPP_LANG or the system)"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=Parser)
    for register in groups:
        register(sub)
    return parser


def run(argv: Sequence[str] | None, groups: Sequence[Register], launch: Launch) -> int:
    """Parse ``argv`` and run its command (``launch`` when there is none); the exit code."""
    os.umask(0o077)
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_prescan_lang(argv))
    _translate_argparse()
    parser = build_parser(groups)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    ctx = Context(args)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            return launch(ctx)
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
