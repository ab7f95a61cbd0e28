"""attach, attachment get / list / show."""

from __future__ import annotations

import argparse

from .. import attachments
from ..i18n import _, format_number, ngettext
from .context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attach", help=_("attach a photo, recording, video or document to a "
                                        "record; prints the attachment id"))
    p.add_argument("record_id", metavar=_("RECORD_ID"), help=_("the record's id"))
    p.add_argument("file", metavar=_("FILE"), help=_("the photo, recording or document"))
    p.add_argument("--keep-original", action="store_true",
                   help=_("also keep the untouched file, encrypted (photos, recordings, videos "
                          "and PDF files lose their hidden details, such as the GPS position "
                          "or the author's name, otherwise)"))
    p.set_defaults(handler=cmd_attach)

    p = sub.add_parser("attachment", help=_("attachments of records"))
    asub = p.add_subparsers(dest="attachment_command", metavar=_("ACTION"), required=True)
    g = asub.add_parser("get", help=_("write a decrypted copy to a new file"))
    g.add_argument("attachment_id", metavar=_("ATTACHMENT_ID"),
                   help=_("the attachment's id"))
    g.add_argument("--out", required=True, metavar=_("FILE"),
                   help=_("the new file (an existing file is never replaced)"))
    g.add_argument("--original", action="store_true",
                   help=_("the untouched original, if it was kept"))
    g.set_defaults(handler=cmd_get)

    ls = asub.add_parser("list", help=_("the attachments of a record"))
    ls.add_argument("record_id", metavar=_("RECORD_ID"), help=_("the record's id"))
    ls.add_argument("--json", action="store_true", help=_("machine-readable output"))
    ls.set_defaults(handler=cmd_list)

    s = asub.add_parser("show", help=_("details of one attachment"))
    s.add_argument("attachment_id", metavar=_("ATTACHMENT_ID"),
                   help=_("the attachment's id"))
    s.add_argument("--json", action="store_true", help=_("machine-readable output"))
    s.set_defaults(handler=cmd_show)


def cmd_attach(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    attachment_id = attachments.attach(vault, args.record_id, args.file,
                                       keep_original=args.keep_original)
    ctx.out(attachment_id)
    ctx.err(attachments.info(vault, attachment_id).stripped_text)
    return 0


def cmd_get(ctx: Context, args: argparse.Namespace) -> int:
    out = attachments.export_copy(ctx.vault(), args.attachment_id, args.out,
                                  original=args.original)
    ctx.err(_("Written {path}: this copy is not encrypted; keep it safe and delete it when "
              "done.").format(path=out))
    return 0


def _line(att: attachments.Attachment) -> str:
    size = ngettext("{n} byte", "{n} bytes", att.stored_size).format(
        n=format_number(att.stored_size))
    return f"{att.id}  {att.kind:<8}  {att.mime}  {size}  {att.name}"


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    vault.records.get(args.record_id)  # NotFound for an unknown record
    rows = attachments.list_for(vault, args.record_id)
    if args.json:
        ctx.json([a.to_dict() for a in rows])
    else:
        for att in rows:
            ctx.out(_line(att))
        if not rows:
            ctx.out(_("No attachments."))
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    att = attachments.info(ctx.vault(), args.attachment_id)
    if args.json:
        ctx.json(att.to_dict())
        return 0
    ctx.out(_line(att))
    ctx.out("  " + _("record: {id}").format(id=att.record_id))
    ctx.out("  " + _("SHA-256 of the original: {sha}").format(sha=att.sha256_original))
    ctx.out("  " + _("SHA-256 of the stored copy: {sha}").format(sha=att.sha256_stored))
    if att.width and att.height:
        ctx.out("  " + _("size in pixels: {width} × {height}").format(
            width=att.width, height=att.height))
    ctx.out("  " + (_("original kept: yes") if att.has_original else _("original kept: no")))
    ctx.out("  " + att.stripped_text)
    return 0
