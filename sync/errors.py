"""Typed errors of the sync client and bundles (translated in fieldapp/messages.py)."""

from __future__ import annotations

from fieldapp.errors import FieldappError


class ServerUnreachable(FieldappError):
    """No answer from the server after the allowed attempts (reason)."""


class ServerRefused(FieldappError):
    """The server answered with an error (status, code)."""


class DeviceRevoked(FieldappError):
    """The server says this device was revoked by a coordinator."""


class InviteRefused(FieldappError):
    """The server refused the invite (reason: expired, invalid)."""


class BadInvite(FieldappError):
    """The invite file is malformed or its signature does not verify (reason)."""

    exit_code = 2


class AlreadyJoined(FieldappError):
    """This profile already belongs to a project (project)."""

    exit_code = 2


class TLSPinMismatch(FieldappError):
    """The server's certificate does not match the pin (from the invite, or given to
    ``project create``); the connection was closed before anything was sent."""


class TLSUntrusted(FieldappError):
    """No pin, and the server's certificate does not chain to a trusted authority (a
    self-signed server needs its pin); nothing was sent."""


class BadServerUrl(FieldappError):
    """The server address is not an http:// or https:// URL with a host (url)."""

    exit_code = 2


class PlainHttpRefused(FieldappError):
    """Plain http:// to a host other than this computer, without --insecure-http (host)."""

    exit_code = 2


class TLSPinNeedsHttps(FieldappError):
    """A TLS pin was given with a plain http:// server address."""

    exit_code = 2


class SyncCancelled(FieldappError):
    """The user cancelled the sync; what was confirmed stays confirmed."""


class BundleRejected(FieldappError):
    """A bundle file is damaged, forged or for another project (reason)."""

    exit_code = 2


class FingerprintMismatch(FieldappError):
    """The fingerprint read aloud is not the device's: approval refused (device)."""

    exit_code = 2


class NotPending(FieldappError):
    """No device with this id waits for approval (device)."""

    exit_code = 2


class ProjectKeyRequired(FieldappError):
    """Only the device holding the project key can approve a coordinator."""


class NotApproved(FieldappError):
    """This device waits for a coordinator's approval (nothing can be sent until then)."""


class LastCoordinator(FieldappError):
    """The last approved coordinator cannot be revoked."""


class RosterConflict(FieldappError):
    """Other coordinators changed the roster at the same moment; try again."""


def reason_of(exc: BaseException) -> str:
    """A short, non-sensitive reason for the outbox and the sync report."""
    if isinstance(exc, FieldappError):
        detail = ", ".join(f"{k}={v}" for k, v in exc.params.items())
        return f"{type(exc).__name__}({detail})" if detail else type(exc).__name__
    return type(exc).__name__
