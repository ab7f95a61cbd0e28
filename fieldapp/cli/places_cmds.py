"""places QUERY: search the gazetteer (and the places typed in this profile)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .. import gazetteer
from ..i18n import N_, _, format_number
from .context import Context, whole_number

KIND_LABELS = {"region": N_("region"), "cercle": N_("cercle"), "town": N_("town"),
               "user": N_("typed in this profile")}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("places", help=_("find a place of Mali (accents and case ignored)"))
    p.add_argument("query", metavar=_("NAME"), help=_("the start of a place's name"))
    p.add_argument("--limit", type=whole_number, default=20, metavar=_("N"),
                   help=_("at most N places (default: 20)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_places)


def _user_vault(ctx: Context) -> Any:
    """The vault when it can be opened without asking anything, else None: places must
    work on a machine with no profile, and never prompt."""
    if not os.environ.get("FIELDAPP_PASSPHRASE") or not ctx.profile.exists():
        return None
    return ctx.vault()


def _line(place: dict[str, Any]) -> str:
    where = ", ".join(dict.fromkeys(
        str(p) for p in (place.get("cercle"), place.get("region"))
        if p and p != place["name"]))
    if place.get("latitude") is not None:
        point = f"{format_number(place['latitude'])} / {format_number(place['longitude'])}"
    else:
        point = "—"
    kind = _(KIND_LABELS.get(place["kind"], place["kind"]))
    return f"{place['name']:<24}  {kind:<22}  {where or '—':<28}  {point}"


def cmd_places(ctx: Context, args: argparse.Namespace) -> int:
    found = gazetteer.suggest(args.query, _user_vault(ctx), limit=max(1, args.limit))
    if args.json:
        ctx.json(found)
        return 0
    for place in found:
        ctx.out(_line(place))
    if not found:
        ctx.out(_("No place matches."))
    return 0
