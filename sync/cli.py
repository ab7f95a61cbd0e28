"""Sync commands: project create, invite, join, sync, status, review, assign, translate,
glossary, devices, revoke, bundle export/import (registered in fieldapp.cli.root)."""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp import glossary, incoming, outbox, reviews, translations
from fieldapp.cli.context import Context, UsageError, whole_number
from fieldapp.errors import InvalidInput
from fieldapp.fsutil import read_input
from fieldapp.i18n import _, ngettext
from fieldapp.membership import approval, is_joined, membership, require_role
from fieldapp.messages import outbox_reason, role_label

if TYPE_CHECKING:
    from .transport import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project", help=_("create a sync project (coordinator)"))
    psub = p.add_subparsers(dest="project_command", metavar=_("ACTION"), required=True)
    c = psub.add_parser("create", help=_("create the project keys here and register them"))
    c.add_argument("--server", required=True, metavar="URL",
                   help=_("the server's address (https://…)"))
    c.add_argument("--name", required=True, metavar=_("NAME"), help=_("the project's name"))
    token = c.add_mutually_exclusive_group(required=True)
    token.add_argument("--bootstrap-token-from", metavar=_("FILE"),
                       help=_("read the server's bootstrap token from FILE (- for standard "
                              "input; preferred: shell history keeps arguments)"))
    token.add_argument("--bootstrap-token", metavar=_("TOKEN"),
                       help=_("the server's bootstrap token (visible to other users of "
                              "this computer: prefer --bootstrap-token-from)"))
    c.add_argument("--suite", choices=["MLKEM768_X25519", "X25519"],
                   default="MLKEM768_X25519",
                   help=_("key exchange (default: the post-quantum hybrid)"))
    c.add_argument("--tls-pin", metavar="SHA256",
                   help=_("the pin the server printed at start (SHA-256 of its TLS "
                          "certificate's public key); it goes into every invite"))
    _add_insecure_http(c)
    c.set_defaults(handler=cmd_project_create)

    p = sub.add_parser("invite", help=_("write an invite for a new device (coordinator)"))
    p.add_argument("--role", required=True, choices=["monitor", "translator", "coordinator"],
                   help=_("the role of the person joining"))
    p.add_argument("--out", required=True, metavar=_("FILE"),
                   help=_("where to write the invite"))
    p.add_argument("--expires-hours", type=whole_number, default=168, metavar=_("HOURS"),
                   help=_("the invite expires after this many hours (default: 168)"))
    p.set_defaults(handler=cmd_invite)

    p = sub.add_parser("join", help=_("join a project with an invite file"))
    p.add_argument("file", metavar=_("FILE"), help=_("the invite file"))
    _add_insecure_http(p)
    p.set_defaults(handler=cmd_join)

    p = sub.add_parser("sync", help=_("send the outbox and receive what is new"))
    p.add_argument("--text-only", action="store_true",
                   help=_("send and receive text only (no photos or recordings)"))
    p.add_argument("--proxy", metavar="URL", help=_("e.g. socks5://127.0.0.1:9050 for Tor"))
    p.add_argument("--budget", type=whole_number, metavar=_("BYTES"),
                   help=_("stop before using more than this many bytes"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    _add_insecure_http(p, kept=False)
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("status", help=_("has a record been sent? what did the review say?"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("review", help=_("review a record (coordinator)"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--status", required=True,
                   choices=["verified", "needs-info", "unsubstantiated", "duplicate"],
                   help=_("the review's verdict"))
    note = p.add_mutually_exclusive_group()
    note.add_argument("--note-from", metavar=_("FILE"),
                      help=_("read the note to the author from FILE (- for standard input; "
                             "preferred: shell history keeps arguments)"))
    note.add_argument("--note", default="", metavar=_("TEXT"),
                      help=_("a short note to the author (prefer --note-from)"))
    p.add_argument("--confidence", choices=list(reviews.CONFIDENCES),
                   help=_("how sure the review is"))
    p.add_argument("--duplicate-of", metavar=_("ID"),
                   help=_("the record this one repeats (with --status duplicate)"))
    p.set_defaults(handler=cmd_review)

    p = sub.add_parser("assign", help=_("assign a record to a translator (coordinator)"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--translator", required=True, metavar=_("PSEUDONYM"),
                   help=_("the translator's pseudonym"))
    p.add_argument("--to", required=True, choices=list(translations.TARGET_LANGS),
                   help=_("the language to translate into"))
    p.add_argument("--field", dest="fields", action="append", metavar=_("FIELD"),
                   help=_("a field to translate (repeat for several; default: all the "
                          "record's narrative fields)"))
    p.set_defaults(handler=cmd_assign)

    p = sub.add_parser("translate", help=_("translate a field of an assigned record"))
    p.add_argument("id", metavar=_("ID"), help=_("the record's id"))
    p.add_argument("--field", required=True, metavar=_("FIELD"),
                   help=_("the field translated (title, description, text…)"))
    p.add_argument("--to", required=True, choices=list(translations.TARGET_LANGS),
                   help=_("the language of the translation"))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="source", metavar=_("FILE"),
                        help=_("read the translation from FILE (- for standard input; "
                               "preferred: shell history keeps arguments)"))
    source.add_argument("--text", metavar=_("TEXT"),
                        help=_("the translation itself (prefer --from)"))
    p.set_defaults(handler=cmd_translate)

    p = sub.add_parser("glossary", help=_("the project's glossary: list it, or set or "
                                          "remove a term (coordinator)"))
    p.add_argument("term", nargs="?", metavar=_("TERM"),
                   help=_("the term to set or remove (none: list the glossary)"))
    p.add_argument("--to", choices=list(translations.TARGET_LANGS), default="en",
                   help=_("the language of its agreed translation (default: en)"))
    p.add_argument("--translation", metavar=_("TEXT"), help=_("its agreed translation"))
    p.add_argument("--note", default="", metavar=_("TEXT"),
                   help=_("a note for translators"))
    p.add_argument("--remove", action="store_true", help=_("take the term out"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_glossary)

    p = sub.add_parser("devices", help=_("devices of the project: approved, waiting for "
                                         "approval, revoked (coordinator)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_devices)

    p = sub.add_parser("approve", help=_("approve a device waiting to join, after comparing "
                                         "its fingerprint (coordinator)"))
    p.add_argument("device_id", metavar=_("DEVICE_ID"),
                   help=_("the device's id (see “fieldapp devices”)"))
    p.add_argument("--fingerprint", required=True, metavar=_("CODE"),
                   help=_("the fingerprint the person joining reads to you"))
    p.add_argument("--role", choices=["monitor", "translator", "coordinator"],
                   help=_("the role to approve (default: the role of the invite it used)"))
    p.set_defaults(handler=cmd_approve)

    p = sub.add_parser("revoke", help=_("revoke a device (coordinator)"))
    p.add_argument("device_id", metavar=_("DEVICE_ID"),
                   help=_("the device's id (see “fieldapp devices”)"))
    p.set_defaults(handler=cmd_revoke)

    p = sub.add_parser("bundle", help=_("carry the outbox on a USB stick"))
    bsub = p.add_subparsers(dest="bundle_command", metavar=_("ACTION"), required=True)
    e = bsub.add_parser("export", help=_("write the outbox as one encrypted bundle file"))
    e.add_argument("--out", required=True, metavar=_("FILE"),
                   help=_("where to write the bundle"))
    e.set_defaults(handler=cmd_bundle_export)
    i = bsub.add_parser("import", help=_("apply a bundle file (idempotent)"))
    i.add_argument("file", metavar=_("FILE"), help=_("the bundle file"))
    i.set_defaults(handler=cmd_bundle_import)
    u = bsub.add_parser("upload", help=_("send a bundle file to the server (idempotent)"))
    u.add_argument("file", metavar=_("FILE"), help=_("the bundle file"))
    _add_insecure_http(u, kept=False)
    u.set_defaults(handler=cmd_bundle_upload)


def _add_insecure_http(parser: argparse.ArgumentParser, *, kept: bool = True) -> None:
    parser.add_argument(
        "--insecure-http", action="store_true",
        help=_("allow a plain http:// server beyond this computer (a lab network only: "
               "anyone on it can read and change the traffic); kept for later syncs")
        if kept else _("allow a plain http:// server beyond this computer for this run "
                       "(a lab network only)"))


def _warn_plain_http(ctx: Context, url: str, pin: str | None, insecure_http: bool) -> None:
    """One warning line on stderr when traffic will cross a network in clear (the address
    rule itself, and its refusals, are in `sync.transport.check_server_url`)."""
    from .transport import check_server_url

    if check_server_url(url, pin, insecure_http):
        ctx.err(_("Warning: plain http:// to {url}: anyone on the network can read and "
                  "change this traffic (--insecure-http is for lab networks only).")
                .format(url=url))


def _member_warning(ctx: Context, insecure_http: bool = False) -> None:
    member = membership(ctx.vault().conn)
    _warn_plain_http(ctx, member.server_url, member.tls_pin,
                     insecure_http or member.insecure_http)


def _settings(proxy: str | None = None, insecure_http: bool = False) -> Settings:
    from .transport import Settings

    settings = Settings(proxy=proxy, insecure_http=insecure_http)
    # Tests and slow links may tune retries without new flags.
    if os.environ.get("FIELDAPP_SYNC_BACKOFF"):
        settings.backoff = float(os.environ["FIELDAPP_SYNC_BACKOFF"])
    if os.environ.get("FIELDAPP_SYNC_ATTEMPTS"):
        settings.attempts = max(1, int(os.environ["FIELDAPP_SYNC_ATTEMPTS"]))
    return settings


def cmd_project_create(ctx: Context, args: argparse.Namespace) -> int:
    from . import enroll
    from .tls import normalise_pin

    token = args.bootstrap_token
    if args.bootstrap_token_from is not None:
        token = _text_from(args.bootstrap_token_from, "bootstrap-token-from").strip()
    pin = normalise_pin(args.tls_pin) if args.tls_pin is not None else None
    _warn_plain_http(ctx, args.server, pin, args.insecure_http)
    member = enroll.create_project(ctx.vault(), args.server, args.name, token,
                                   suite=args.suite, tls_pin=pin,
                                   settings=_settings(insecure_http=args.insecure_http))
    ctx.out(_("Project {name} created ({project}); this device is its coordinator.").format(
        name=member.name, project=member.project_id))
    ctx.out(_("Device fingerprint: {fingerprint}").format(
        fingerprint=_own_fingerprint(ctx)))
    return 0


def _text_from(source: str, field: str) -> str:
    """The text of a file given with --…-from (``-``: standard input), UTF-8."""
    try:
        return read_input(source).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(field=field, reason="text expected") from None


def _own_fingerprint(ctx: Context) -> str:
    from fieldapp.membership import identity_by_key_id

    member = membership(ctx.vault().conn)
    return identity_by_key_id(ctx.vault().conn, member.key_id).public.fingerprint


def cmd_invite(ctx: Context, args: argparse.Namespace) -> int:
    from . import enroll

    hours = args.expires_hours
    if not 1 <= hours <= 720:
        raise InvalidInput(field="expires-hours", reason="out of range", value=str(hours))
    _member_warning(ctx)
    enroll.create_invite(ctx.vault(), args.role, Path(args.out), expires_in=hours * 3600,
                         settings=_settings())
    ctx.out(_("Invite written to {path}. It can be used once; keep it secret until then.")
            .format(path=args.out))
    ctx.out(_("Read this fingerprint aloud to the person joining: {fingerprint}").format(
        fingerprint=_own_fingerprint(ctx)))
    return 0


def cmd_join(ctx: Context, args: argparse.Namespace) -> int:
    from . import enroll

    invite = enroll.read_invite(Path(args.file))
    _warn_plain_http(ctx, str(invite.get("server_url", "")), invite.get("tls_pin"),
                     args.insecure_http)
    member = enroll.join(ctx.vault(), Path(args.file),
                         settings=_settings(insecure_http=args.insecure_http))
    ctx.out(_("Joined project {name} as {role}.").format(name=member.name,
                                                          role=role_label(member.role)))
    ctx.out(_("Check with the coordinator that these fingerprints match:"))
    for peer in member.coordinators:
        ctx.out(f"  {peer.pseudonym}  {peer.fingerprint}")
    if approval(ctx.vault().conn) != "approved":
        ctx.out(_("This device waits for a coordinator's approval. Read this fingerprint "
                  "to the coordinator, who types it to approve you:"))
        ctx.out(f"  {_own_fingerprint(ctx)}")
    return 0


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from .client import sync

    if args.budget is not None and args.budget < 0:
        raise InvalidInput(field="budget", reason="out of range", value=str(args.budget))
    _member_warning(ctx, args.insecure_http)
    settings = _settings(args.proxy, args.insecure_http)
    settings.cancel = threading.Event()
    report = sync(ctx.vault(), settings=settings, text_only=args.text_only,
                  budget=args.budget)
    if args.json:
        ctx.json(report.to_dict())
    else:
        ctx.out(ngettext("{n} item sent", "{n} items sent", report.sent).format(n=report.sent))
        ctx.out(ngettext("{n} received", "{n} received", report.received).format(
            n=report.received))
        if report.attachments_received:
            ctx.out(ngettext("{n} attachment received", "{n} attachments received",
                             report.attachments_received).format(
                                 n=report.attachments_received))
        if report.quarantined:
            ctx.out(ngettext("{n} item refused and put aside", "{n} items refused and put "
                             "aside", report.quarantined).format(n=report.quarantined))
        if not report.complete:
            ctx.err(_("Not everything was sent: {pending} pending, {failed} failed ({reasons}).")
                    .format(pending=report.pending, failed=report.failed,
                            reasons="; ".join(sorted({outbox_reason(r)
                                                      for r in report.reasons})) or "—"))
    return 0 if report.complete else 1


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    conn = ctx.vault().conn
    ctx.vault().records.get(args.id)  # NotFound for an unknown id
    outbox.enqueue_unsent(conn)  # every local write is pending until the server confirms
    state = outbox.record_state(conn, args.id)
    state["approval"] = approval(conn) if is_joined(conn) else None
    state["quarantine"] = incoming.quarantined(conn)
    if args.json:
        ctx.json(state)
        return 0
    labels = {"pending": _("pending"), "sent": _("sent"), "failed": _("failed"),
              "local": _("not queued yet")}
    ctx.out(_("{id}: {state}").format(id=args.id, state=labels[state["state"]]))
    for item in state["items"]:
        line = f"  {item['kind']:<12} {labels[item['state']]}"
        if item["receipt"]:
            line += "  " + _("receipt #{seq}").format(seq=item["receipt"].get("seq"))
        if item["state"] != "sent" and item["reason"]:
            line += "  " + outbox_reason(item["reason"])
        ctx.out(line)
    review = state["review"]
    if review:
        ctx.out(_("Review: {status} by {reviewer}").format(**review))
        if review["note"]:
            ctx.out(_("Note: {note}").format(note=review["note"]))
    if state["approval"] == "pending":
        ctx.out(_("This device waits for a coordinator's approval: nothing leaves it until "
                  "then."))
    if state["quarantine"]:
        ctx.out(ngettext("{n} item received was refused and put aside (latest first):",
                         "{n} items received were refused and put aside (latest first):",
                         len(state["quarantine"])).format(n=len(state["quarantine"])))
        for q in state["quarantine"]:
            ctx.out(f"  {q['received_at']}  {q['source']}  {q['sender'] or '?'}  "
                    f"{outbox_reason(q['reason'])}")
    return 0


def cmd_review(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    require_role(vault.conn, "coordinator")
    note = args.note
    if args.note_from is not None:
        note = _text_from(args.note_from, "note-from")
    reviews.add_review(vault.conn, vault.pseudonym, args.id, args.status, note=note,
                       confidence=args.confidence, duplicate_of=args.duplicate_of)
    ctx.out(_("Review saved; it goes to the author at the next sync."))
    return 0


def cmd_assign(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    require_role(vault.conn, "coordinator")
    translations.assign(vault.conn, vault.pseudonym, args.id, args.translator, args.to,
                        args.fields)
    ctx.out(_("Assigned; the translator receives the narrative (never the identity) at the "
              "next sync."))
    return 0


def cmd_glossary(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    if args.term is not None:
        require_role(vault.conn, "coordinator")
        if not args.remove and not args.translation:
            raise UsageError(_("Give --translation (or --remove)."))
        glossary.set_term(vault.conn, vault.pseudonym, args.term, args.to,
                          "" if args.remove else args.translation, args.note,
                          deleted=args.remove)
        ctx.out(_("Saved; translators receive it at the next sync."))
        return 0
    terms = glossary.terms(vault.conn)
    if args.json:
        ctx.json([{"term": t.term, "to": t.target_lang, "translation": t.translation,
                   "note": t.note} for t in terms])
        return 0
    for t in terms:
        ctx.out(f"{t.term} → {t.translation} ({t.target_lang})"
                + (f" — {t.note}" if t.note else ""))
    return 0


def cmd_translate(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    if args.source is not None:
        raw = read_input(args.source)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(field="from", reason="text expected") from None
    else:
        text = args.text
    translations.add_translation(vault.conn, vault.pseudonym, args.id, args.field, args.to, text)
    ctx.out(_("Translation saved; it goes to the coordinators at the next sync."))
    return 0


def cmd_devices(ctx: Context, args: argparse.Namespace) -> int:
    from . import devices

    _member_warning(ctx)
    found = devices.list_devices(ctx.vault(), settings=_settings())
    if args.json:
        ctx.json([d.to_dict() for d in found])
        return 0
    states = {"approved": _("approved"), "revoked": _("revoked"),
              "pending": _("NOT APPROVED")}
    for d in found:
        ctx.out(f"{d.device_id}  {role_label(d.role):<14}  {states[d.state]:<14}  "
                f"{d.fingerprint}  {d.pseudonym}")
    waiting = [d for d in found if d.state == "pending"]
    if waiting:
        ctx.out(ngettext("{n} device is not approved by a coordinator: it receives nothing "
                         "and nothing it sends is accepted. Approve it only after its user "
                         "read you the same fingerprint (fieldapp approve DEVICE_ID "
                         "--fingerprint CODE).",
                         "{n} devices are not approved by a coordinator: they receive "
                         "nothing and nothing they send is accepted. Approve one only after "
                         "its user read you the same fingerprint (fieldapp approve DEVICE_ID "
                         "--fingerprint CODE).", len(waiting)).format(n=len(waiting)))
    return 0


def cmd_approve(ctx: Context, args: argparse.Namespace) -> int:
    from . import devices

    approved = devices.approve(ctx.vault(), args.device_id, args.fingerprint, role=args.role,
                               settings=_settings())
    ctx.out(_("Device {id} ({pseudonym}) approved as {role}.").format(
        id=approved.device_id, pseudonym=approved.pseudonym, role=role_label(approved.role)))
    return 0


def cmd_revoke(ctx: Context, args: argparse.Namespace) -> int:
    from . import devices
    from .client import sync
    from .errors import ServerUnreachable

    _member_warning(ctx)
    # Receive first: the revocation names how far this coordinator has received, and what
    # the device sent before that still counts (see fieldapp/authorize.py).
    try:
        sync(ctx.vault(), settings=_settings())
    except ServerUnreachable:
        pass  # the revocation itself needs the server and says so
    peer = devices.revoke(ctx.vault(), args.device_id, settings=_settings())
    ctx.out(_("Device {id} ({pseudonym}) revoked.").format(id=peer.device_id,
                                                           pseudonym=peer.pseudonym))
    return 0


def cmd_bundle_export(ctx: Context, args: argparse.Namespace) -> int:
    from .bundle import export_bundle

    count = export_bundle(ctx.vault(), Path(args.out))
    ctx.out(ngettext("{n} item written to {path}.", "{n} items written to {path}.", count)
            .format(n=count, path=args.out))
    return 0


def cmd_bundle_import(ctx: Context, args: argparse.Namespace) -> int:
    from .bundle import import_bundle

    result = import_bundle(ctx.vault(), Path(args.file))
    ctx.out(_("{applied} applied, {known} already here, {refused} refused.").format(**result))
    return 0


def cmd_bundle_upload(ctx: Context, args: argparse.Namespace) -> int:
    from .bundle import upload_bundle

    _member_warning(ctx, args.insecure_http)
    result = upload_bundle(ctx.vault(), Path(args.file),
                           settings=_settings(insecure_http=args.insecure_http))
    ctx.out(_("{stored} stored, {known} already on the server, {refused} refused.")
            .format(**result))
    return 0


__all__ = ["register", "UsageError"]
