"""Typed exceptions raised by the core.

The core never formats user messages itself: `fieldapp.messages.user_message` is the one
place that maps these to translated one-line messages (for the CLI and the desktop app).
Exceptions carry only non-sensitive parameters (field names, sizes, file names given by
the user), never record contents.
"""

from __future__ import annotations


class FieldappError(Exception):
    """Base of every error the user may see. `exit_code` 1 = operation failed, 2 = bad input."""

    exit_code = 1

    def __init__(self, **params: object) -> None:
        super().__init__(type(self).__name__, params)
        self.params = params


# --- profile and keys -----------------------------------------------------------------
class ProfileMissing(FieldappError):
    """No profile in the folder (path)."""


class ProfileExists(FieldappError):
    """init refused: a profile is already there (path)."""


class ProfileCorrupt(FieldappError):
    """The keyslot file or the database is damaged (what)."""


class WrongPassphrase(FieldappError):
    """No slot opened with the passphrase or recovery key given."""


class TooManyAttempts(FieldappError):
    """Unlock throttled after repeated failures (seconds)."""


class WeakPassphrase(FieldappError):
    """Passphrase refused (min_length)."""

    exit_code = 2


class PassphraseMismatch(FieldappError):
    """The two typed passphrases differ."""

    exit_code = 2


class NoPassphrase(FieldappError):
    """No passphrase given and no terminal to ask (variable)."""

    exit_code = 2


class ProfileLocked(FieldappError):
    """Another process holds the profile (path)."""


class DiskFull(FieldappError):
    """No space left while writing; nothing was half-written."""


# --- input ----------------------------------------------------------------------------
class InvalidInput(FieldappError):
    """A field of an input is wrong (field, reason, value?)."""

    exit_code = 2


class MalformedJSON(FieldappError):
    """The input is not a JSON object (source, line, column)."""

    exit_code = 2


class UnreadableFile(FieldappError):
    """An input file cannot be read (path, reason)."""

    exit_code = 2


class NotFound(FieldappError):
    """No record/attachment with that id (kind, id)."""

    exit_code = 2


class UnsafePath(FieldappError):
    """An output path refused (path, reason)."""

    exit_code = 2


# --- media ----------------------------------------------------------------------------
class MediaRejected(FieldappError):
    """An attachment refused (name, reason): bomb, truncated, mislabelled, too large."""

    exit_code = 2


class AttachmentDamaged(FieldappError):
    """An encrypted attachment failed authentication or is missing (id, reason)."""


class NoOriginal(FieldappError):
    """The untouched original of an attachment was not kept (id)."""

    exit_code = 2


# --- reports --------------------------------------------------------------------------
class ReportTooLarge(FieldappError):
    """A report's selection has more incidents than one document holds (count, limit)."""

    exit_code = 2


class ReportFailed(FieldappError):
    """The report could not be drawn (reason): no display library, no fonts."""


# --- audit ----------------------------------------------------------------------------
class AuditChainBroken(FieldappError):
    """The audit chain does not verify (position, reason)."""


# --- sync (core side; network errors live in sync/errors.py) ----------------------------
class NotJoined(FieldappError):
    """This profile has not created or joined a project yet."""


class RoleRequired(FieldappError):
    """The action needs another role (role, current)."""

    exit_code = 2


class ItemRejected(FieldappError):
    """An incoming sync item is malformed or inconsistent; quarantined (reason)."""


class SenderNotApproved(ItemRejected):
    """An item signed by a device no roster approves (yet): kept aside, tried again after
    the next roster (sender)."""


class UnknownTranslator(FieldappError):
    """No enrolled translator with that pseudonym (pseudonym)."""

    exit_code = 2
