"""export --format json|csv|geojson|esf --out FILE (plaintext: the command says so)."""

from __future__ import annotations

import argparse

from ..export import FORMATS, export
from ..i18n import _, ngettext
from .context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help=_("write a plaintext export (JSON, ACLED CSV, "
                                        "GeoJSON, HURIDOCS ESF)"))
    p.add_argument("--format", required=True, choices=FORMATS,
                   help=_("the file format to write"))
    p.add_argument("--out", required=True, metavar=_("FILE"),
                   help=_("new file to write (never overwritten, never in the profile "
                          "folder)"))
    p.add_argument("--without-identity", action="store_true",
                   help=_("JSON only: leave out the identities of witnesses and victims"))
    p.add_argument("--with-identity", action="store_true",
                   help=_("ESF only, coordinators only: put the names, homes and contacts "
                          "of witnesses and victims in the file"))
    p.set_defaults(handler=cmd_export)


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    if args.format == "esf":
        include = bool(args.with_identity)
    else:
        include = not args.without_identity if args.format == "json" else False
    result = export(vault, args.format, args.out, include_identity=include)
    if result.contains_identity:
        ctx.err(_("Warning: this export is plaintext and contains the identities of "
                  "witnesses and victims; keep it encrypted and delete it when done."))
    else:
        ctx.err(_("Warning: this export is plaintext; keep it safe and delete it when "
                  "done."))
    if result.left_out and args.format == "geojson":
        ctx.err(ngettext("{n} incident has no known place and was left out of the map.",
                         "{n} incidents have no known place and were left out of the map.",
                         result.left_out).format(n=result.left_out))
    elif result.left_out:
        ctx.err(ngettext("{n} incident is dated by its year only and was left out (ACLED "
                         "codes no date coarser than the month).",
                         "{n} incidents are dated by their year only and were left out "
                         "(ACLED codes no date coarser than the month).",
                         result.left_out).format(n=result.left_out))
    ctx.out(ngettext("{path}: {n} record", "{path}: {n} records", result.count).format(
        path=result.path, n=result.count))
    return 0
