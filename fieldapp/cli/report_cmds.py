"""report --out FILE.pdf [--lang] [--coarsen-places] [--mask-names] [--with-identities]
[filters]: a redacted PDF report of the incidents the filters let through.

The PDF is drawn by Qt (``ui.report_pdf``); the composition root hands the drawing
function to `register`, and Qt is loaded only when the command runs, so the rest of the
command line never needs Qt; it draws offscreen when there is no display.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .. import model
from ..fsutil import read_input
from ..i18n import LANGUAGES, _, current_language, ngettext
from ..report import Options, write_report
from ..reviews import REVIEW_STATUSES
from .context import Context


def register(sub: argparse._SubParsersAction, render_pdf: Callable[..., Any]) -> None:
    """The ``report`` command, drawing with ``render_pdf`` (ui.report_entry)."""
    p = sub.add_parser("report", help=_("write a PDF report of incidents (redacted by "
                                        "default)"))
    p.add_argument("--out", required=True, metavar=_("FILE"),
                   help=_("new PDF file to write (never overwritten, never in the profile "
                          "folder)"))
    p.add_argument("--lang", dest="report_lang", choices=LANGUAGES,
                   help=_("language of the report (default: the language of messages)"))
    p.add_argument("--coarsen-places", action="store_true",
                   help=_("show places only down to the cercle; leave out localities, "
                          "communes and coordinates"))
    p.add_argument("--mask-names", action="store_true",
                   help=_("mask in the texts every name of the identity records, and the "
                          "names given with --mask or --mask-file"))
    p.add_argument("--mask", action="append", default=[], metavar=_("NAME"),
                   help=_("one more name to mask (implies --mask-names; a file is safer: "
                          "command lines can be seen by other programs)"))
    p.add_argument("--mask-file", metavar=_("FILE"),
                   help=_("names to mask, one per line (implies --mask-names)"))
    p.add_argument("--with-identities", action="store_true",
                   help=_("coordinators only: include the identities of witnesses and "
                          "victims, and protection concerns"))
    p.add_argument("--region", metavar=_("REGION"), help=_("only this region"))
    p.add_argument("--type", dest="event_type", choices=list(model.EVENT_TYPES),
                   help=_("only this type of event"))
    p.add_argument("--status", choices=list(REVIEW_STATUSES),
                   help=_("only this review status"))
    p.add_argument("--perpetrator", choices=list(model.PERPETRATORS),
                   help=_("only incidents naming this alleged perpetrator"))
    p.add_argument("--from", dest="date_from", metavar=_("DATE"),
                   help=_("events on or after this date (YYYY-MM-DD, YYYY-MM or YYYY)"))
    p.add_argument("--to", dest="date_to", metavar=_("DATE"),
                   help=_("events on or before this date"))
    p.set_defaults(handler=cmd_report, render_pdf=render_pdf)


def _names(args: argparse.Namespace) -> tuple[str, ...]:
    names = [n.strip() for n in args.mask if n.strip()]
    if args.mask_file:
        text = read_input(args.mask_file).decode("utf-8", "replace")
        names += [line.strip() for line in text.splitlines() if line.strip()]
    return tuple(names)


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    names = _names(args)
    options = Options(
        lang=args.report_lang or (current_language() if current_language() in LANGUAGES
                                  else "en"),
        filters={k: getattr(args, k) for k in ("region", "event_type", "status",
                                                "perpetrator", "date_from", "date_to")
                 if getattr(args, k)},
        coarsen_places=args.coarsen_places,
        mask_names=args.mask_names or bool(names) or bool(args.mask_file),
        names=names, with_identities=args.with_identities)
    result = write_report(ctx.vault(), args.out, options, args.render_pdf)
    if result.contains_identity:
        ctx.err(_("Warning: this report is plaintext and names witnesses and victims; keep "
                  "it encrypted and delete it when done."))
    else:
        ctx.err(_("Warning: this report is plaintext; keep it safe and delete it when "
                  "done."))
    ctx.out(ngettext("{path}: {n} incident", "{path}: {n} incidents", result.count).format(
        path=result.path, n=result.count))
    return 0
