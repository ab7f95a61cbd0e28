"""incident add, testimony add, person add, edit, list, show, history, search."""

from __future__ import annotations

import argparse
from typing import Any

from .. import model
from ..fsutil import read_input
from ..i18n import _, format_date
from ..jsonutil import parse_object
from .context import Context, whole_number


def register(sub: argparse._SubParsersAction) -> None:
    for kind, help_text in (("incident", _("incidents")), ("testimony", _("testimonies")),
                            ("person", _("people (pseudonymous)"))):
        p = sub.add_parser(kind, help=help_text)
        ksub = p.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
        a = ksub.add_parser("add", help=_("add one from a JSON file; prints its id"))
        a.add_argument("--from", dest="source", required=True, metavar=_("FILE"),
                       help=_("JSON object (- reads standard input)"))
        a.set_defaults(handler=cmd_add, kind=kind)

    p = sub.add_parser("edit", help=_("save a new version of a record"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--from", dest="source", required=True, metavar=_("FILE"),
                   help=_("JSON object with the fields to change (null removes one)"))
    p.set_defaults(handler=cmd_edit)

    p = sub.add_parser("list", help=_("list records, newest first"))
    p.add_argument("--kind", choices=["incident", "testimony", "person"],
                   help=_("only records of this kind"))
    p.add_argument("--limit", type=whole_number, default=100, metavar=_("N"),
                   help=_("at most N records (default: 100)"))
    p.add_argument("--offset", type=whole_number, default=0, metavar=_("N"),
                   help=_("skip the first N records"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help=_("show one record"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("history", help=_("every version of a record"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("search", help=_("full-text search (accents and case ignored)"))
    p.add_argument("query", metavar=_("WORDS"), help=_("the words to look for"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_search)


def _read_json(source: str) -> dict[str, Any]:
    return parse_object(read_input(source), "-" if source == "-" else source)


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    data = _read_json(args.source)
    record_id = ctx.vault().records.add(args.kind, data)
    ctx.out(record_id)
    return 0


def cmd_edit(ctx: Context, args: argparse.Namespace) -> int:
    patch = _read_json(args.source)
    digest = ctx.vault().records.edit(args.id, patch)
    ctx.out(digest)
    return 0


def _summary_line(s: Any) -> str:
    when = format_date(s.occurred_on) if s.occurred_on else "—"
    return f"{s.id}  {s.kind:<9}  {when:<14}  {s.region or '—':<12}  {s.title}"


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = ctx.vault().records.list(args.kind, limit=max(1, args.limit),
                                    offset=max(0, args.offset))
    if args.json:
        ctx.json([r.to_dict() for r in rows])
    else:
        for row in rows:
            ctx.out(_summary_line(row))
        if not rows:
            ctx.out(_("No records yet."))
    return 0


def _extras(ctx: Context, record_id: str) -> dict[str, Any]:
    """Attachments, reviews and translations shown with a record (when those exist)."""
    conn = ctx.vault().conn
    extras: dict[str, Any] = {}
    extras["attachments"] = [
        dict(zip(("id", "kind", "mime", "name", "size", "sha256_original", "sha256_stored",
                  "has_original", "created_at"), row, strict=True))
        for row in conn.execute(
            "SELECT id, kind, mime, name, size, sha256_original, sha256_stored, has_original, "
            "created_at FROM attachment WHERE record_id = ? ORDER BY created_at", (record_id,))]
    extras["reviews"] = [
        dict(zip(("status", "duplicate_of", "confidence", "note", "reviewer", "created_at"),
                 row, strict=True))
        for row in conn.execute(
            "SELECT status, duplicate_of, confidence, note, reviewer, created_at FROM review "
            "WHERE record_id = ? ORDER BY created_at", (record_id,))]
    extras["translations"] = [
        dict(zip(("field", "target_lang", "text", "translator", "status", "created_at"),
                 row, strict=True))
        for row in conn.execute(
            "SELECT field, target_lang, text, translator, status, created_at FROM translation "
            "WHERE record_id = ? ORDER BY created_at", (record_id,))]
    return extras


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    record = ctx.vault().records.get(args.id)
    extras = _extras(ctx, record.id)
    if args.json:
        ctx.json({**record.to_dict(), **extras})
        return 0
    ctx.out(f"{record.id}  ({record.kind}, {record.status})")
    for key in sorted(record.body):
        ctx.out(f"  {key}: {record.body[key]}")
    if record.incident_ids:
        ctx.out("  " + _("linked incidents:") + " " + ", ".join(record.incident_ids))
    if record.identity:
        ctx.out("  " + _("identity (coordinators only):"))
        for key in sorted(record.identity):
            ctx.out(f"    {key}: {record.identity[key]}")
    for att in extras["attachments"]:
        ctx.out("  " + _("attachment {id}: {name} ({mime}, {size} bytes)").format(**att))
    for review in extras["reviews"]:
        ctx.out("  " + _("review: {status} by {reviewer}: {note}").format(**review))
    for tr in extras["translations"]:
        ctx.out("  " + _("translation ({target_lang}) of {field}: {text}").format(**tr))
    return 0


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    versions = ctx.vault().records.history(args.id)
    if args.json:
        ctx.json([v.to_dict() for v in versions])
        return 0
    previous: dict[str, Any] = {}
    for version in versions:
        ctx.out(f"{version.created_at}  {version.author}  {version.hash[:16]}")
        for key in sorted(set(previous) | set(version.body)):
            if previous.get(key) != version.body.get(key):
                ctx.out(f"    {key}: {previous.get(key, '—')} → {version.body.get(key, '—')}")
        previous = version.body
    return 0


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    rows = ctx.vault().records.search(args.query)
    if args.json:
        ctx.json([r.to_dict() for r in rows])
    else:
        for row in rows:
            ctx.out(_summary_line(row))
        if not rows:
            ctx.out(_("Nothing found."))
    return 0


__all__ = ["register", "model"]
