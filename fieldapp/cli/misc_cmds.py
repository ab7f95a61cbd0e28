"""audit verify (places is added by the gazetteer module)."""

from __future__ import annotations

import argparse

from .. import audit
from ..errors import AuditChainBroken
from ..i18n import _, ngettext
from .context import Context, whole_number


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help=_("the tamper-evident audit log"))
    asub = p.add_subparsers(dest="audit_command", metavar=_("ACTION"), required=True)
    v = asub.add_parser("verify", help=_("check the hash chain; exit 1 if it is broken"))
    v.set_defaults(handler=cmd_audit_verify)
    s = asub.add_parser("show", help=_("the latest entries"))
    s.add_argument("--limit", type=whole_number, default=50, metavar=_("N"),
                   help=_("the N latest entries (default: 50)"))
    s.add_argument("--json", action="store_true", help=_("machine-readable output"))
    s.set_defaults(handler=cmd_audit_show)


def cmd_audit_verify(ctx: Context, args: argparse.Namespace) -> int:
    verdict = audit.verify(ctx.vault().conn)
    if not verdict.ok:
        raise AuditChainBroken(position=verdict.broken_at, reason=verdict.reason)
    ctx.out(ngettext("Audit log intact: {n} entry, head {head}.",
                     "Audit log intact: {n} entries, head {head}.", verdict.entries)
            .format(n=verdict.entries, head=verdict.head[:16]))
    return 0


def cmd_audit_show(ctx: Context, args: argparse.Namespace) -> int:
    rows = audit.entries(ctx.vault().conn, limit=max(1, args.limit))
    if args.json:
        ctx.json(rows)
    else:
        for row in rows:
            ctx.out(f"{row['seq']:>6}  {row['at']}  {row['actor']}  {row['action']}  "
                    f"{row['record_id'] or ''}")
    return 0
