"""The one place where errors become translated, one-line user messages.

Keyed by exception class *name*, so errors defined in ``sync`` (which the core must not
import) are mapped here too. Parameters are non-sensitive (field names, sizes, paths the
user typed). The CLI and the desktop app both call `user_message`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any

from .i18n import N_, _

# Reasons carried by InvalidInput / MediaRejected / UnreadableFile, translated when shown.
REASONS: dict[str, str] = {
    "unknown field": N_("unknown field"),
    "required": N_("this field is required"),
    "null not allowed": N_("cannot be empty"),
    "text expected": N_("text expected"),
    "too long": N_("too long"),
    "invalid character": N_("contains an invalid character"),
    "not one of the allowed values": N_("not one of the allowed values"),
    "list expected": N_("a list is expected"),
    "whole number expected": N_("a whole number is expected"),
    "out of range": N_("out of range"),
    "not in conflict": N_("this record has no conflicting versions"),
    "true or false expected": N_("true or false is expected"),
    "list of text expected": N_("a list of words is expected"),
    "list of record ids expected": N_("a list of record ids is expected"),
    "language code expected": N_("a language code such as fr or en is expected"),
    "number expected": N_("a number is expected"),
    "date expected (YYYY-MM-DD)": N_("a date is expected (YYYY-MM-DD, YYYY-MM or YYYY)"),
    "impossible date": N_("this date does not exist"),
    "date out of range": N_("the date is in the future or before 1960"),
    "object expected": N_("an object is expected"),
    "does not match the date": N_("does not match the form of the date"),
    "smaller than the minimum": N_("is smaller than the minimum"),
    "required with the other coordinate": N_("latitude and longitude go together"),
    "no such incident": N_("no incident has this id"),
    "edit the record it belongs to": N_("edit the record it belongs to instead"),
    "too large": N_("the file is too large"),
    "decompression bomb": N_("the image is far too large when opened (possible image bomb)"),
    "truncated": N_("the file is truncated or damaged"),
    "mislabelled": N_("the file's content does not match its name"),
    "unsupported": N_("this kind of file is not supported"),
    "empty": N_("the file is empty"),
    "encrypted": N_("the PDF is protected by a password; remove the protection and attach "
                    "it again"),
    "no sound or picture": N_("it holds no sound or picture"),
    "changed": N_("the file changed while it was being attached; try again once it is "
                  "complete"),
    "temporary folder inside the profile": N_("the system's temporary folder is inside the "
                                              "profile folder"),
    "exists": N_("the file already exists"),
    "not a file": N_("not a regular file"),
    "inside the profile folder": N_("a plaintext export must not go inside the profile "
                                    "folder"),
    "no such folder": N_("the folder does not exist"),
    "not writable": N_("the folder cannot be written to"),
    "after the end date": N_("the start date is after the end date"),
    "SHA-256 expected": N_("64 hexadecimal characters (a SHA-256) are expected"),
    # attachments and bundles (AttachmentDamaged, BundleRejected)
    "checksum": N_("its content does not match its checksum"),
    "header": N_("its header is damaged"),
    "missing": N_("the file is missing"),
    "damaged": N_("the file is damaged"),
    "another project": N_("it belongs to another project"),
    "not a fieldapp bundle": N_("it is not a fieldapp bundle"),
    "signature": N_("its signature does not verify"),
    "unknown sender": N_("its sender is not a device of this project"),
    # invites (BadInvite)
    "coordinators": N_("its list of coordinators is not valid"),
    "not JSON": N_("it is not a JSON file"),
    "not a fieldapp invite": N_("it is not a fieldapp invite"),
    "server answer does not match the invite": N_("the server's answer does not match the "
                                                  "invite"),
    "token": N_("its token is not valid"),
    # items received (ItemRejected, quarantine)
    "attachment of an unknown record": N_("an attachment of a record this device does not "
                                          "have"),
    "bad blob_sha256": N_("its file checksum is malformed"),
    "bad kind": N_("its kind of record is not valid"),
    "bad note": N_("its note is not valid"),
    "bad parent": N_("the version it follows is not valid"),
    "bad status": N_("its status is not valid"),
    "bad target_lang": N_("its target language is not valid"),
    "bad source_lang": N_("its source language is not valid"),
    "bad confidence": N_("its confidence is not valid"),
    "bad duplicate_of": N_("the record it names as the original is not valid"),
    "bad version_hash": N_("the version it names is not valid"),
    "bad field": N_("the field it names is not valid"),
    "bad text": N_("its text is not valid"),
    "bad translator_device": N_("the translator it names is not valid"),
    "bad author_device": N_("the device it names as the record's author is not valid"),
    "bad memory": N_("its earlier translations are not valid"),
    "bad sha256_original": N_("its checksum of the original file is malformed"),
    "bad file_key": N_("its file key is malformed"),
    "bad thumbnail": N_("its thumbnail is not valid"),
    "bad stripped": N_("its note on removed metadata is not valid"),
    "header does not match the content": N_("its header does not match its content"),
    "kind differs from the record's": N_("its kind differs from the record's"),
    "payload is not JSON": N_("its content is not JSON"),
    "unknown item type": N_("an unknown kind of item"),
    "version hash does not match its content": N_("its version hash does not match its "
                                                  "content"),
    # items a sender may not send (NotAllowed, fieldapp/authorize.py)
    "sender revoked": N_("its sender was revoked"),
    "the name it gives is not its sender's": N_("the name it gives is not its sender's"),
    "bad created_at": N_("its date is not valid"),
    "dated in the future": N_("it is dated in the future"),
    "a version of another device's record": N_("a new version of a record another device "
                                               "wrote"),
    "an identity of another device's record": N_("an identity for a record another device "
                                                 "wrote"),
    "an attachment of another device's record": N_("an attachment to a record another "
                                                   "device wrote"),
    "a record version from a translator": N_("a record written by a translator"),
    "an attachment from a translator": N_("an attachment sent by a translator"),
    "a review from a monitor": N_("a review sent by a monitor"),
    "a conflict resolution from a monitor": N_("a conflict resolution sent by a monitor"),
    "a review from a translator": N_("a review sent by a translator"),
    "an assignment from a monitor": N_("an assignment sent by a monitor"),
    "an assignment from a translator": N_("an assignment sent by a translator"),
    "a translation from a monitor": N_("a translation sent by a monitor"),
    "a glossary term from a monitor": N_("a glossary term sent by a monitor"),
    "a glossary term from a translator": N_("a glossary term sent by a translator"),
    "bad glossary term": N_("a glossary term that is not valid"),
    "assigned to a device that is not an approved translator": N_(
        "an assignment to a device that is not an approved translator"),
    "not assigned to this translator": N_("a translation of something not assigned to its "
                                          "translator"),
    "another translation has its id": N_("another translation already has its id"),
    # lists of devices (RosterInvalid, fieldapp/roster.py)
    "older than the one held": N_("it is older than the one held"),
    "a revoked device comes back": N_("a revoked device comes back in it"),
    "a device's keys changed": N_("a device's keys changed in it"),
    "device id does not match its keys": N_("a device id does not match its keys"),
    "a device is listed twice": N_("a device is listed twice"),
    "not a roster": N_("it is not a list of devices"),
    "not in the roster": N_("the device is not in the project's list of devices"),
    # the link (ServerUnreachable)
    "broken changes feed": N_("the list of changes from the server is broken"),
    "demo server did not start": N_("the demo server did not start"),
    # the audit log (AuditChainBroken)
    "gap": N_("an entry is missing"),
    "link": N_("an entry does not follow the one before"),
    "hash": N_("an entry was changed"),
}

# Operating-system errors: the C library says them in English ("No such file or
# directory"); these are said in the user's language instead.
OS_ERRORS: dict[int, str] = {
    errno.ENOENT: N_("no such file or folder"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EEXIST: N_("it already exists"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EROFS: N_("the disk is read-only"),
    errno.EBUSY: N_("it is in use"),
    errno.ENAMETOOLONG: N_("the name is too long"),
    errno.EIO: N_("the disk could not be read or written"),
    errno.EMFILE: N_("too many files are open"),
    errno.ENOTEMPTY: N_("the folder is not empty"),
    errno.EXDEV: N_("it cannot be moved to another disk"),
    errno.EINVAL: N_("invalid argument"),
    errno.ETIMEDOUT: N_("the connection timed out"),
    errno.ECONNREFUSED: N_("the connection was refused"),
    errno.ECONNRESET: N_("the connection was cut"),
    errno.EADDRINUSE: N_("the address is already in use"),
    errno.ENETUNREACH: N_("the network cannot be reached"),
    errno.EHOSTUNREACH: N_("the computer cannot be reached"),
}
_STRERROR: dict[str, int] = {os.strerror(code): code for code in OS_ERRORS}


def os_error_text(error: OSError | int | str | None) -> str:
    """An operating-system error in the user's language, from the exception, its errno,
    or the English text the C library gave."""
    code = error.errno if isinstance(error, OSError) else error
    if isinstance(code, str):
        code = _STRERROR.get(code)
    if isinstance(code, int) and code in OS_ERRORS:
        return _(OS_ERRORS[code])
    if isinstance(code, int):
        return _("system error number {code}").format(code=code)
    return _("a system error")


# A device's role in a project (fieldapp.membership.ROLES), as shown inside sentences.
ROLE_LABELS: dict[str, str] = {
    # TRANSLATORS: a role, used inside sentences ("Only a coordinator can do this").
    "coordinator": N_("coordinator"),
    # TRANSLATORS: a role, used inside sentences ("Joined project X as monitor").
    "monitor": N_("monitor"),
    # TRANSLATORS: a role, used inside sentences.
    "translator": N_("translator"),
}


def role_label(role: object) -> str:
    """A role code (coordinator, monitor, translator) in the user's language; an unknown
    code is shown as it is."""
    text = str(role)
    return _(ROLE_LABELS[text]) if text in ROLE_LABELS else text


def reason_text(reason: object) -> str:
    """A reason carried by an error, in the user's language (an operating-system error
    text too); an unknown one is shown as it is."""
    text = str(reason)
    if text in REASONS:
        return _(REASONS[text])
    if text in _STRERROR:
        return os_error_text(text)
    if text.startswith("bad ") and text[4:].replace("_", "").isalnum():
        # an item's malformed field (f"bad {key}" in fieldapp/incoming.py): the key is a
        # field name of the protocol, shown as it is inside a translated sentence
        return _("its field “{field}” is not valid").format(field=text[4:])
    return text


def _p(params: dict[str, Any], key: str) -> str:
    return str(params.get(key, ""))


def _invalid(p: dict[str, Any]) -> str:
    value = p.get("value")
    if value:
        return _("Invalid field “{field}”: {reason} ({value}).").format(
            field=_p(p, "field"), reason=reason_text(p.get("reason")), value=value)
    return _("Invalid field “{field}”: {reason}.").format(
        field=_p(p, "field"), reason=reason_text(p.get("reason")))


def _malformed(p: dict[str, Any]) -> str:
    if p.get("line"):
        return _("{source} is not valid JSON (line {line}, column {column}).").format(
            source=_p(p, "source"), line=p["line"], column=p["column"])
    return _("{source} is not a JSON object.").format(source=_p(p, "source"))


def _no_window(p: dict[str, Any]) -> str:
    if p.get("missing") and p.get("apt"):
        return _("The desktop app cannot open a window: Qt's “{platform}” display plugin "
                 "needs system libraries that are missing ({missing}). Install them as "
                 "administrator: apt-get install {packages}").format(
                     platform=_p(p, "platform"), missing=_p(p, "missing"),
                     packages=_p(p, "packages"))
    if p.get("missing"):
        return _("The desktop app cannot open a window: Qt's “{platform}” display plugin "
                 "needs system libraries that are missing ({missing}). Install the packages "
                 "that provide them with your system's package manager.").format(
                     platform=_p(p, "platform"), missing=_p(p, "missing"))
    return _("The desktop app cannot open a window: Qt could not start its “{platform}” "
             "display plugin. Check that the display is running and reachable "
             "(DISPLAY={display}).").format(platform=_p(p, "platform"),
                                            display=_p(p, "display"))


def _throttled(p: dict[str, Any]) -> str:
    return _("Too many wrong attempts: wait {seconds} seconds and try again.").format(
        seconds=_p(p, "seconds"))


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "ProfileMissing": lambda p: _("No profile in {path}: create one with “fieldapp init”.")
    .format(path=_p(p, "path")),
    "ProfileExists": lambda p: _("{path} is not empty: choose another folder for a new "
                                 "profile.").format(path=_p(p, "path")),
    "ProfileCorrupt": lambda p: {
        "keyslot file": _("The key file of this profile is missing or damaged; nothing was "
                          "changed. Use a backup of the profile folder."),
        "newer database": _("This profile was written by a newer version of fieldapp."),
    }.get(_p(p, "what"), _("The profile database is damaged; nothing was changed.")),
    "WrongPassphrase": lambda p: _("Wrong passphrase."),
    "TooManyAttempts": _throttled,
    "WeakPassphrase": lambda p: _("Passphrase refused: use at least {n} characters, and not "
                                  "one already used in this profile.").format(
                                      n=_p(p, "min_length")),
    "PassphraseMismatch": lambda p: _("The two passphrases differ."),
    "NoPassphrase": lambda p: _("No passphrase: set {variable} or run in a terminal.")
    .format(variable=_p(p, "variable")),
    "ProfileLocked": lambda p: _("The profile is open in another fieldapp window."),
    "DiskFull": lambda p: _("The disk is full: nothing was saved. Free some space and try "
                            "again."),
    "InvalidInput": _invalid,
    "QtPlatformUnavailable": _no_window,
    "MalformedJSON": _malformed,
    "UnreadableFile": lambda p: _("Cannot read {path}: {reason}.").format(
        path=_p(p, "path"), reason=reason_text(p.get("reason"))),
    "NotFound": lambda p: _("Nothing found with id {id}.").format(id=_p(p, "id")),
    "UnsafePath": lambda p: _("Refused to write {path}: {reason}.").format(
        path=_p(p, "path"), reason=reason_text(p.get("reason"))),
    "MediaRejected": lambda p: _("File “{name}” refused: {reason}.").format(
        name=_p(p, "name"), reason=reason_text(p.get("reason"))),
    "AttachmentDamaged": lambda p: _("Attachment {id} is damaged or missing; the record "
                                     "itself is safe.").format(id=_p(p, "id")),
    "NoOriginal": lambda p: _("No original was kept for attachment {id}: only the copy "
                              "without hidden details exists.").format(id=_p(p, "id")),
    # sqlcipher3 errors that reach the user: a page failing its HMAC is damage.
    "OperationalError": lambda p: _("The profile database is busy or unreadable; nothing was "
                                    "changed. Close other fieldapp windows and try again."),
    "DatabaseError": lambda p: _("The profile database is damaged; nothing was changed."),
    "ReportTooLarge": lambda p: _("The selection holds {count} incidents; a report holds "
                                  "at most {limit}. Narrow it with the filters (dates, "
                                  "region, type).").format(count=_p(p, "count"),
                                                           limit=_p(p, "limit")),
    "ReportFailed": lambda p: _("The report could not be drawn ({reason}); nothing was "
                                "written.").format(reason=_p(p, "reason")),
    "AuditChainBroken": lambda p: _("The audit log is broken at entry {position} ({reason}).")
    .format(position=_p(p, "position"), reason=reason_text(p.get("reason"))),
    # sync (errors of fieldapp.errors and sync.errors)
    "NotJoined": lambda p: _("This profile is not part of a project yet: use “fieldapp "
                             "project create” or “fieldapp join”."),
    "RoleRequired": lambda p: _("Only a {role} can do this; this device is a {current}.")
    .format(role=role_label(_p(p, "role")), current=role_label(_p(p, "current"))),
    "ItemRejected": lambda p: _("An item received was refused and put aside ({reason}).")
    .format(reason=reason_text(p.get("reason"))),
    "UnknownTranslator": lambda p: _("No enrolled translator is called “{pseudonym}”: "
                                     "sync first, or check the name with “fieldapp devices”.")
    .format(pseudonym=_p(p, "pseudonym")),
    "ServerUnreachable": lambda p: _("The server could not be reached ({reason}); nothing "
                                     "was lost, try again later.").format(
                                         reason=link_reason(p.get("reason"))),
    "ServerRefused": lambda p: _("The server refused the request (HTTP {status}).")
    .format(status=_p(p, "status")),
    "DeviceRevoked": lambda p: _("This device was revoked by a coordinator: it can no "
                                 "longer sync. Your records stay on this computer."),
    "InviteRefused": lambda p: {
        "expired": _("This invite has expired: ask the coordinator for a new one."),
    }.get(_p(p, "reason"), _("This invite is not valid or was already used: ask the "
                             "coordinator for a new one.")),
    "BadInvite": lambda p: _("This is not a valid invite file ({reason}).").format(
        reason=reason_text(p.get("reason"))),
    "AlreadyJoined": lambda p: _("This profile already belongs to project {project}.")
    .format(project=_p(p, "project")),
    "FingerprintMismatch": lambda p: _("The fingerprint does not match device {device}: it "
                                       "was not approved. Ask its user to read the "
                                       "fingerprint again; if it still differs, someone else "
                                       "may have used the invite.").format(
                                           device=_p(p, "device")),
    "NotPending": lambda p: _("No device {device} is waiting for approval: check the id with "
                              "“fieldapp devices”.").format(device=_p(p, "device")),
    "ProjectKeyRequired": lambda p: _("Only the coordinator who created the project (who "
                                      "holds its key) can approve a new coordinator."),
    "NotApproved": lambda p: _("This device waits for a coordinator's approval: read your "
                               "fingerprint to a coordinator, then sync again."),
    "LastCoordinator": lambda p: _("The last coordinator cannot be revoked: approve another "
                                   "coordinator first."),
    "RosterConflict": lambda p: _("Another coordinator changed the list of devices at the "
                                  "same moment; try again."),
    "RosterInvalid": lambda p: _("A list of devices was refused ({reason}); the one held "
                                 "stays.").format(reason=reason_text(p.get("reason"))),
    "SenderNotApproved": lambda p: _("An item from a device that no coordinator approved was "
                                     "put aside; it is applied if the device is approved."),
    "NotAllowed": lambda p: _("An item received was refused and put aside: its sender may "
                              "not do this ({reason}).").format(
                                  reason=reason_text(p.get("reason"))),
    "TLSPinMismatch": lambda p: _("The server's certificate does not match its pin: someone "
                                  "may be intercepting the connection. Nothing was sent."),
    "TLSUntrusted": lambda p: _("The server's certificate is not trusted by this computer; "
                                "for a server with its own certificate, give its pin "
                                "(--tls-pin). Nothing was sent."),
    "BadServerUrl": lambda p: _("Not a server address: “{url}” (expected https://HOST:PORT)."
                                ).format(url=_p(p, "url")),
    "PlainHttpRefused": lambda p: _("Refused: plain http:// to {host} would let anyone on the "
                                    "network read and change the traffic. Use https:// "
                                    "(--insecure-http is for lab networks only).").format(
                                        host=_p(p, "host")),
    "TLSPinNeedsHttps": lambda p: _("A TLS pin needs an https:// server address, not plain "
                                    "http://."),
    "SyncCancelled": lambda p: _("Sync cancelled; what the server confirmed stays sent."),
    "BundleRejected": lambda p: _("This bundle file was refused ({reason}).").format(
        reason=reason_text(p.get("reason"))),
    # envelopes (fieldapp.crypto.envelope) and the server (sync.server)
    "EnvelopeTampered": lambda p: _("A received item was altered or is malformed; it was "
                                    "refused and nothing of it was applied."),
    "EnvelopeTruncated": lambda p: _("A received item is incomplete; it was refused and "
                                     "nothing of it was applied."),
    "EnvelopeBadSignature": lambda p: _("A received item is not signed by its sender's key; "
                                        "it was refused and nothing of it was applied."),
    "UnknownEpoch": lambda p: _("A received item cannot be opened yet: its key packet has "
                                "not arrived. Sync again."),
    "NotARecipient": lambda p: _("A received item is not addressed to this device."),
    "EnvelopeError": lambda p: _("A received item was refused ({reason}).").format(
        reason=reason_text(p.get("reason"))),
    "ServerStartFailed": lambda p: {
        "database": _("The server could not open its database: check the --database URL "
                      "and that the database is running."),
        "certificate": _("The server cannot use its TLS certificate: check --tls-cert and "
                         "--tls-key (PEM, matching, key unencrypted), or the tls-*.pem files "
                         "in its data folder."),
        "port in use": _("Port {port} is already in use on {host}: stop the program using "
                         "it, or choose another port with --port.").format(
                             port=_p(p, "port"), host=_p(p, "host")),
        "address": _("The server cannot listen on {host}, port {port}: check --host and "
                     "--port.").format(host=_p(p, "host"), port=_p(p, "port")),
    }.get(_p(p, "reason"), _("The server cannot write to its data folder.")),
}


# Why an item is still in the outbox, in the user's words (reasons are stored as short
# codes: "ServerUnreachable(reason=ConnectError)", "data budget reached"…).
_LINK_WORDS: dict[str, str] = {
    "ConnectError": N_("the server could not be reached"),
    "ConnectTimeout": N_("the server could not be reached"),
    "ReadTimeout": N_("the connection was too slow and gave up"),
    "WriteTimeout": N_("the connection was too slow and gave up"),
    "PoolTimeout": N_("the connection was too slow and gave up"),
    "RemoteProtocolError": N_("the connection was cut"),
    "ReadError": N_("the connection was cut"),
    "WriteError": N_("the connection was cut"),
    "ProxyError": N_("the proxy could not reach the server"),
}
_OUTBOX_REASONS: dict[str, str] = {
    "data budget reached": N_("waits for the next sync: the data budget was reached"),
    "description not sent yet": N_("waits until its description is sent"),
    "no answer for this item": N_("the server did not answer for it"),
    "receipt signature does not verify": N_("the server's receipt could not be checked"),
    "TLSPinMismatch": N_("the server's certificate is not the one in the invite"),
    "DeviceRevoked": N_("this device was revoked"),
}


def link_reason(reason: object) -> str:
    """Why the server could not be reached, in words ("the connection was cut"), never
    the name of the exception the network library raised."""
    why = str(reason or "")
    if why.startswith("HTTP "):
        return _("the server had a problem ({status})").format(status=why)
    if why in REASONS:
        return _(REASONS[why])
    return _(_LINK_WORDS.get(why, N_("the server could not be reached")))


def _parse_reason(stored: str) -> tuple[str, dict[str, str]]:
    """``Name(k=v, k2=v2)`` → (Name, {k: v}); anything else → (the text, {})."""
    name, _sep, rest = stored.partition("(")
    params: dict[str, str] = {}
    if rest.endswith(")"):
        for part in rest[:-1].split(", "):
            key, eq, value = part.partition("=")
            if eq:
                params[key.strip()] = value.strip()
    return name.strip(), params


def outbox_reason(stored: object) -> str:
    """A stored outbox reason as a short translated phrase; never an exception name."""
    text = str(stored or "").strip()
    if not text:
        return ""
    if text in _OUTBOX_REASONS:
        return _(_OUTBOX_REASONS[text])
    if text.startswith("refused by the server"):
        code = text.partition("(")[2].rstrip(")")
        return _("refused by the server ({code})").format(code=code) if code \
            else _("refused by the server")
    name, params = _parse_reason(text)
    if name == "ServerUnreachable":
        return link_reason(params.get("reason", ""))
    if name == "ServerRefused":
        return _("refused by the server ({status})").format(status=params.get("status", "?"))
    if name in _OUTBOX_REASONS:
        return _(_OUTBOX_REASONS[name])
    if name == "InvalidInput":
        return _("refused: {reason}").format(reason=reason_text(params.get("reason")))
    if name in ("NotFound", "AttachmentDamaged", "UnreadableFile"):
        return _("its file is missing or damaged on this computer")
    # items received and put aside (quarantine)
    if name in ("NotAllowed", "ItemRejected"):
        return reason_text(params.get("reason", ""))
    if name == "SenderNotApproved":
        return _("from a device no coordinator has approved (yet)")
    if name.startswith("Envelope") or name in ("UnknownEpoch", "NotARecipient"):
        return _("altered, incomplete or not readable here")
    return _("it could not be prepared for sending")


def user_message(exc: BaseException) -> str:
    """One translated line for ``exc``; unknown errors get a calm generic line."""
    params = getattr(exc, "params", {}) or {}
    for cls in type(exc).__mro__:
        render = _MESSAGES.get(cls.__name__)
        if render is not None:
            return render(params)
    if isinstance(exc, KeyboardInterrupt):
        return _("Interrupted; nothing half-saved.")
    if isinstance(exc, MemoryError):
        return _("Not enough memory for this operation.")
    if isinstance(exc, OSError):
        return _("System error: {reason}.").format(reason=os_error_text(exc))
    return _("Unexpected error ({kind}); nothing was lost.").format(kind=type(exc).__name__)


def exit_code(exc: BaseException) -> int:
    return int(getattr(exc, "exit_code", 1))
