"""The one place where errors become translated, one-line user messages.

Keyed by exception class *name*, so errors defined in ``sync`` (which the core must not
import) are mapped here too. Parameters are non-sensitive (field names, sizes, paths the
user typed). The CLI and the desktop app both call `user_message`.
"""

from __future__ import annotations

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
}


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
    text = str(reason)
    return _(REASONS[text]) if text in REASONS else text


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
    .format(position=_p(p, "position"), reason=_p(p, "reason")),
    # sync (errors of fieldapp.errors and sync.errors)
    "NotJoined": lambda p: _("This profile is not part of a project yet: use “fieldapp "
                             "project create” or “fieldapp join”."),
    "RoleRequired": lambda p: _("Only a {role} can do this; this device is a {current}.")
    .format(role=role_label(_p(p, "role")), current=role_label(_p(p, "current"))),
    "ItemRejected": lambda p: _("An item received was refused and put aside ({reason}).")
    .format(reason=_p(p, "reason")),
    "UnknownTranslator": lambda p: _("No enrolled translator is called “{pseudonym}”: "
                                     "sync first, or check the name with “fieldapp devices”.")
    .format(pseudonym=_p(p, "pseudonym")),
    "ServerUnreachable": lambda p: _("The server could not be reached ({reason}); nothing "
                                     "was lost, try again later.").format(
                                         reason=_p(p, "reason")),
    "ServerRefused": lambda p: _("The server refused the request ({status} {code}).")
    .format(status=_p(p, "status"), code=_p(p, "code")),
    "DeviceRevoked": lambda p: _("This device was revoked by a coordinator: it can no "
                                 "longer sync. Your records stay on this computer."),
    "InviteRefused": lambda p: {
        "expired": _("This invite has expired: ask the coordinator for a new one."),
    }.get(_p(p, "reason"), _("This invite is not valid or was already used: ask the "
                             "coordinator for a new one.")),
    "BadInvite": lambda p: _("This is not a valid invite file ({reason}).").format(
        reason=_p(p, "reason")),
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
                                 "stays.").format(reason=_p(p, "reason")),
    "SenderNotApproved": lambda p: _("An item from a device that no coordinator approved was "
                                     "put aside; it is applied if the device is approved."),
    "NotAllowed": lambda p: _("An item received was refused and put aside: its sender may "
                              "not do this ({reason}).").format(reason=_p(p, "reason")),
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
        reason=_p(p, "reason")),
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
        reason=_p(p, "reason")),
    "ServerStartFailed": lambda p: {
        "database": _("The server could not open its database: check the --database URL "
                      "and that the database is running."),
        "certificate": _("The server cannot use its TLS certificate: check --tls-cert and "
                         "--tls-key (PEM, matching, key unencrypted), or the tls-*.pem files "
                         "in its data folder."),
    }.get(_p(p, "reason"), _("The server cannot write to its data folder.")),
}


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
        return _("System error: {reason}.").format(reason=exc.strerror or type(exc).__name__)
    return _("Unexpected error ({kind}); nothing was lost.").format(kind=type(exc).__name__)


def exit_code(exc: BaseException) -> int:
    return int(getattr(exc, "exit_code", 1))
