"""The roster: who belongs to the project, decided by coordinators, never by the server.

A roster is a signed statement listing every device a coordinator approved (with its
role, pseudonym and public keys) and every device revoked (with the time of its
revocation). It carries a counter that only goes up: a device adopts a roster only when
its counter is higher than the one it holds, so an old roster cannot be replayed to undo
an approval or a revocation (no rollback). A revocation is final: a roster in which a
device revoked before is active again is refused.

Who may sign a roster: the project key (held by the device that created the project), or
a coordinator that the project key certified. The certificate is a small statement signed
by the project key ("this signing key is a coordinator of this project") kept in the
coordinator's own entry, so any roster can be checked alone, with nothing but the project's
public key. Only the holder of the project key can certify a coordinator; any certified
coordinator can approve monitors and translators and revoke devices.

Devices take the recipients of what they write, and the senders they accept, from the
roster only; the server's directory is never enough (it only shows who is *waiting*).
This module is pure computation (no database, no network): the server checks rosters with
the same code as the devices.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .crypto.keys import PublicIdentity, verify_ed25519
from .errors import FieldappError
from .jsonutil import canonical

ROSTER_FORMAT = "fieldapp-roster-1"
CERTIFICATE_FORMAT = "fieldapp-coordinator-1"
PROJECT_SIGNER = "project"
ROLES = ("coordinator", "monitor", "translator")
STATES = ("approved", "revoked")
MAX_ROSTER_BYTES = 4 << 20
MAX_MEMBERS = 2000

Sign = Callable[[bytes], bytes]


class RosterInvalid(FieldappError):
    """A roster statement that cannot be adopted (reason)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise RosterInvalid(reason="damaged")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise RosterInvalid(reason="damaged") from None


def _int(value: Any, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RosterInvalid(reason="damaged")
    return value


# --- coordinator certificates -------------------------------------------------------------
def certificate_message(project_id: str, device_id: str, sign_public: bytes, at: int) -> bytes:
    """The bytes the project key signs to certify a coordinator."""
    return canonical({"format": CERTIFICATE_FORMAT, "project_id": project_id,
                      "device_id": device_id, "sign_public": _b64(sign_public), "at": at})


def certify(project_id: str, public: PublicIdentity, at: int, sign: Sign) -> dict[str, Any]:
    """A certificate for a coordinator, signed with the project key (``sign``)."""
    message = certificate_message(project_id, public.key_id, public.sign_public, at)
    return {"at": at, "signature": _b64(sign(message))}


def certificate_valid(project_id: str, project_public: bytes, device_id: str,
                      public: PublicIdentity, certificate: Any) -> bool:
    """True when ``certificate`` is the project key's word that this is a coordinator."""
    if not isinstance(certificate, Mapping):
        return False
    try:
        at = _int(certificate.get("at"))
        signature = _unb64(certificate.get("signature"))
    except RosterInvalid:
        return False
    assert at is not None
    return verify_ed25519(project_public, signature,
                          certificate_message(project_id, device_id, public.sign_public, at))


# --- entries ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """One device in a roster."""

    device_id: str
    role: str
    pseudonym: str
    public: PublicIdentity
    state: str = "approved"
    approved_at: int = 0            # unix ms
    approved_by: str = PROJECT_SIGNER
    revoked_at: int | None = None   # unix ms
    # Items this device signed that the server had given out up to this sequence number
    # (the revoking coordinator's pull checkpoint) were there before the revocation.
    seq_cutoff: int | None = None
    certificate: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    @property
    def revoked(self) -> bool:
        return self.state == "revoked"

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "device_id": self.device_id, "role": self.role, "pseudonym": self.pseudonym,
            "suite": self.public.suite, "sign_public": _b64(self.public.sign_public),
            "kem_public": _b64(self.public.kem_public), "state": self.state,
            "approved_at": self.approved_at, "approved_by": self.approved_by,
            "revoked_at": self.revoked_at, "seq_cutoff": self.seq_cutoff}
        if self.certificate is not None:
            data["certificate"] = dict(self.certificate)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Member:
        if not isinstance(data, Mapping):
            raise RosterInvalid(reason="damaged")
        try:
            public = PublicIdentity(str(data.get("suite")), _unb64(data.get("sign_public")),
                                    _unb64(data.get("kem_public")))
        except FieldappError:
            raise RosterInvalid(reason="damaged") from None
        role, state = data.get("role"), data.get("state")
        pseudonym = data.get("pseudonym")
        if role not in ROLES or state not in STATES or not isinstance(pseudonym, str) \
                or not 0 < len(pseudonym) <= 120 or not isinstance(data.get("approved_by"), str):
            raise RosterInvalid(reason="damaged")
        if public.key_id != data.get("device_id"):
            raise RosterInvalid(reason="device id does not match its keys")
        revoked_at = _int(data.get("revoked_at"), optional=True)
        if (state == "revoked") != (revoked_at is not None):
            raise RosterInvalid(reason="damaged")
        return cls(public.key_id, str(role), pseudonym, public, str(state),
                   _int(data.get("approved_at")) or 0, str(data["approved_by"]), revoked_at,
                   _int(data.get("seq_cutoff"), optional=True), data.get("certificate"))


# --- rosters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roster:
    """A parsed roster statement (not yet verified: see `verify`)."""

    project_id: str
    counter: int
    at: int
    members: tuple[Member, ...]
    signer: str
    signature: bytes = field(repr=False)

    def member(self, device_id: str) -> Member | None:
        for m in self.members:
            if m.device_id == device_id:
                return m
        return None

    @property
    def coordinators(self) -> list[Member]:
        """Approved coordinators: the recipients of every item."""
        return [m for m in self.members if m.approved and m.role == "coordinator"]

    def body(self) -> dict[str, Any]:
        return {"format": ROSTER_FORMAT, "project_id": self.project_id,
                "counter": self.counter, "at": self.at, "signer": self.signer,
                "members": [m.to_dict() for m in sorted(self.members,
                                                        key=lambda m: m.device_id)]}

    def message(self) -> bytes:
        """The bytes the signer signs."""
        return canonical(self.body())

    def to_bytes(self) -> bytes:
        """The statement as it travels and is kept (canonical JSON, signature included)."""
        return canonical({**self.body(), "signature": _b64(self.signature)})


def parse(data: bytes) -> Roster:
    """A roster statement's structure (raises `RosterInvalid`); verify it with `verify`."""
    if not isinstance(data, bytes | bytearray) or len(data) > MAX_ROSTER_BYTES:
        raise RosterInvalid(reason="too large")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise RosterInvalid(reason="not JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != ROSTER_FORMAT:
        raise RosterInvalid(reason="not a roster")
    members_raw = raw.get("members")
    if not isinstance(members_raw, list) or len(members_raw) > MAX_MEMBERS:
        raise RosterInvalid(reason="damaged")
    members = tuple(Member.from_dict(m) for m in members_raw)
    if len({m.device_id for m in members}) != len(members):
        raise RosterInvalid(reason="a device is listed twice")
    project_id, signer = raw.get("project_id"), raw.get("signer")
    if not isinstance(project_id, str) or not isinstance(signer, str):
        raise RosterInvalid(reason="damaged")
    return Roster(project_id, _int(raw.get("counter")) or 0, _int(raw.get("at")) or 0,
                  members, signer, _unb64(raw.get("signature")))


def signer_valid(roster: Roster, project_public: bytes) -> bool:
    """True when the roster is signed by the project key, or by a coordinator it
    certified who is approved in this very roster."""
    if roster.signer == PROJECT_SIGNER:
        return verify_ed25519(project_public, roster.signature, roster.message())
    signer = roster.member(roster.signer)
    if signer is None or not signer.approved or signer.role != "coordinator":
        return False
    if not certificate_valid(roster.project_id, project_public, signer.device_id,
                             signer.public, signer.certificate):
        return False
    return signer.public.verify(roster.signature, roster.message())


def verify(data: bytes, project_id: str, project_public: bytes,
           current: Roster | None) -> Roster:
    """The roster in ``data`` if it may replace ``current`` (None: none held yet); else
    `RosterInvalid` with the reason. Checks: the project, a valid signer, a counter above
    the current one, and that no revoked device comes back."""
    roster = parse(data)
    if roster.project_id != project_id:
        raise RosterInvalid(reason="another project")
    if not signer_valid(roster, project_public):
        raise RosterInvalid(reason="signature")
    if current is not None:
        if roster.counter <= current.counter:
            raise RosterInvalid(reason="older than the one held")
        for old in current.members:
            new = roster.member(old.device_id)
            if old.revoked and (new is None or not new.revoked
                                or (new.revoked_at, new.seq_cutoff) != (old.revoked_at,
                                                                        old.seq_cutoff)):
                raise RosterInvalid(reason="a revoked device comes back")
            if new is not None and new.public != old.public:
                raise RosterInvalid(reason="a device's keys changed")
    return roster


# --- making the next roster -----------------------------------------------------------------
def sign_roster(project_id: str, counter: int, at: int, members: Iterable[Member],
                signer: str, sign: Sign) -> Roster:
    """A new roster, signed by ``signer`` (`PROJECT_SIGNER` or a certified coordinator's
    device id) with ``sign``."""
    unsigned = Roster(project_id, counter, at, tuple(sorted(members,
                                                            key=lambda m: m.device_id)),
                      signer, b"")
    return replace(unsigned, signature=sign(unsigned.message()))


def with_member(current: Roster | None, member: Member) -> list[Member]:
    """The members of ``current`` with ``member`` added or replaced."""
    kept = [m for m in (current.members if current else ()) if m.device_id != member.device_id]
    return [*kept, member]


def with_revocation(current: Roster, device_id: str, at: int,
                    seq_cutoff: int | None) -> list[Member]:
    """The members of ``current`` with ``device_id`` revoked at ``at``."""
    found = current.member(device_id)
    if found is None:
        raise RosterInvalid(reason="not in the roster")
    revoked = replace(found, state="revoked", revoked_at=at, seq_cutoff=seq_cutoff)
    return with_member(current, revoked)


__all__ = ["Member", "Roster", "RosterInvalid", "certify", "parse", "sign_roster",
           "verify", "with_member", "with_revocation"]
