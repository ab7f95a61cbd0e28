"""Enrollment: create a project (coordinator), write invites, join with one.

The project keys and every device key are made locally; the server learns public keys
only. An invite file carries the server URL, the project id, the coordinators' public keys
and fingerprints (from the roster, never from the server's word), a one-time expiring token
and an optional TLS pin, signed with the project key or by a coordinator it certified. The
invite is a secret until used (it holds the token): written 0600. A device that joins is
*pending* until a coordinator approves it (sync/devices.py).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fieldapp import audit
from fieldapp.crypto.keys import (
    DEFAULT_SUITE,
    ProjectKeys,
    PublicIdentity,
    project_fingerprint,
    verify_ed25519,
)
from fieldapp.errors import FieldappError, UnreadableFile
from fieldapp.fsutil import atomic_write
from fieldapp.jsonutil import canonical
from fieldapp.membership import (
    Membership,
    Peer,
    device_identity,
    held_roster,
    identity_by_key_id,
    is_joined,
    membership,
    project_keys,
    require_role,
    save_membership,
    save_project_keys,
)
from fieldapp.profile import Vault
from fieldapp.records import transaction
from fieldapp.roster import certificate_valid

from . import protocol as p
from .devices import fetch_roster, first_roster
from .errors import (
    AlreadyJoined,
    BadInvite,
    InviteRefused,
    NotApproved,
    ServerRefused,
    ServerUnreachable,
)
from .link import transport_for, with_pin
from .transport import Settings, Transport

INVITE_FORMAT = "fieldapp-invite-1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _device_keys(vault: Vault, suite: str) -> p.DeviceKeys:
    public = device_identity(vault.conn, suite).public
    return p.DeviceKeys(device_id=public.key_id, suite=suite,  # type: ignore[arg-type]
                        sign_public=_b64(public.sign_public),
                        kem_public=_b64(public.kem_public),
                        pseudonym=vault.pseudonym or "device")


def _save_enrolled(vault: Vault, server_url: str, enrolled: p.Enrolled,
                   tls_pin: str | None, coordinators: list[Peer],
                   insecure_http: bool = False) -> Membership:
    project = enrolled.project
    identity = device_identity(vault.conn, project.suite)
    member = Membership(
        project_id=project.project_id, name=project.name, server_url=server_url,
        role=enrolled.role, device_id=enrolled.device_id, device_token=enrolled.token,
        key_id=identity.public.key_id, suite=project.suite,
        project_sign_public=project.project_sign_public, coordinators=coordinators,
        server_receipt_key=enrolled.server_sign_public, tls_pin=tls_pin,
        insecure_http=insecure_http)
    save_membership(vault.conn, member)
    return member


def create_project(vault: Vault, server_url: str, name: str, bootstrap_token: str, *,
                   suite: str = DEFAULT_SUITE, tls_pin: str | None = None,
                   settings: Settings | None = None) -> Membership:
    """Make the project keys here, register the project, become its first coordinator."""
    if is_joined(vault.conn):
        raise AlreadyJoined(project=membership(vault.conn).project_id)
    keys = ProjectKeys.generate(suite)
    with transaction(vault.conn):
        device = _device_keys(vault, suite)
    try:
        body = p.ProjectRegistration(
            bootstrap_token=bootstrap_token, project_id=keys.project_id, name=name,
            suite=suite, project_sign_public=_b64(keys.sign_public),  # type: ignore[arg-type]
            device=device)
    except ValidationError as exc:
        raise BadInvite(reason=_first_error(exc)) from None
    settings = with_pin(settings, tls_pin)
    with Transport(server_url, settings=settings) as transport:
        answer = transport.request("POST", f"{p.API}/projects",
                                   json=body.model_dump(mode="json"), auth=False, retry=False)
    enrolled = p.Enrolled.model_validate(answer.json())
    identity = device_identity(vault.conn, suite).public
    founder = Peer(enrolled.device_id, "coordinator", vault.pseudonym or "device", identity)
    with transaction(vault.conn):
        save_project_keys(vault.conn, keys)
        _save_enrolled(vault, server_url, enrolled, tls_pin, [founder],
                       settings.insecure_http)
        audit.append(vault.conn, vault.pseudonym, "sync", None,
                     {"project": keys.project_id, "role": "coordinator"})
    with transport_for(vault, settings) as transport:
        first_roster(vault, transport)
    return membership(vault.conn)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return ".".join(str(x) for x in first.get("loc", ())) or "value"


def create_invite(vault: Vault, role: str, out: Path, *, expires_in: int = 7 * 24 * 3600,
                  settings: Settings | None = None) -> dict[str, Any]:
    """Ask the server for a one-time token and write the signed invite file. The
    coordinators named in it are the roster's, never the server's list."""
    member = require_role(vault.conn, "coordinator")

    with transport_for(vault, settings) as transport:
        fetch_roster(vault, transport)
        signer, sign, certificate = _invite_signer(vault)
        answer = transport.request("POST", f"{p.API}/invites", json=p.InviteCreate(
            role=role, expires_in=expires_in).model_dump(mode="json"))  # type: ignore[arg-type]
    created = p.InviteCreated.model_validate(answer.json())
    roster = held_roster(vault.conn, member.project_id)
    coordinators = ([Peer.of_member(c) for c in roster.coordinators] if roster
                    else member.coordinators)
    invite = {
        "format": INVITE_FORMAT, "server_url": member.server_url,
        "project_id": member.project_id, "name": member.name, "suite": member.suite,
        "role": created.role, "token": created.token, "expires_at": created.expires_at,
        "project_sign_public": member.project_sign_public,
        "coordinators": [c.to_dict() for c in coordinators],
        "server_sign_public": created.server_sign_public, "tls_pin": member.tls_pin,
        "signer": signer, "certificate": certificate,
    }
    invite["signature"] = _b64(sign(canonical(invite)))
    atomic_write(Path(out), json.dumps(invite, indent=2, sort_keys=True).encode())
    return invite


def _invite_signer(vault: Vault) -> tuple[str, Any, dict[str, Any] | None]:
    """(signer, sign, certificate): the project key, or this coordinator's own key with the
    certificate the project key gave it."""
    member = membership(vault.conn)
    keys = project_keys(vault.conn, member.project_id)
    if keys is not None:
        return "project", keys.sign, None
    roster = held_roster(vault.conn, member.project_id)
    own = roster.member(member.device_id) if roster else None
    if own is None or not own.approved or own.certificate is None:
        raise NotApproved()
    identity = identity_by_key_id(vault.conn, member.key_id)
    return member.device_id, identity.sign, {
        "device_id": member.device_id, "public": identity.public.to_dict(),
        **dict(own.certificate)}


def _invite_signature_valid(invite: dict[str, Any], sign_public: bytes, signature: bytes,
                            message: bytes) -> bool:
    signer = invite.get("signer", "project")
    if signer == "project":
        return verify_ed25519(sign_public, signature, message)
    certificate = invite.get("certificate")
    if not isinstance(certificate, dict) or certificate.get("device_id") != signer:
        return False
    try:
        public = PublicIdentity.from_dict(certificate.get("public"))
    except (FieldappError, TypeError, ValueError):
        return False
    return (public.key_id == signer
            and certificate_valid(str(invite.get("project_id")), sign_public, signer,
                                  public, certificate)
            and public.verify(signature, message))


def read_invite(path: Path) -> dict[str, Any]:
    """Parse and check an invite file (signature, expiry, keys matching their ids)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(path=str(path), reason=exc.strerror or "unreadable") from None
    try:
        invite = json.loads(raw)
    except ValueError:
        raise BadInvite(reason="not JSON") from None
    if not isinstance(invite, dict) or invite.get("format") != INVITE_FORMAT:
        raise BadInvite(reason="not a fieldapp invite")
    signed = {k: v for k, v in invite.items() if k != "signature"}
    try:
        sign_public = p.unb64(str(invite.get("project_sign_public", "")))
        signature = p.unb64(str(invite.get("signature", "")))
        coordinators = [Peer.from_dict(c) for c in invite.get("coordinators") or []]
    except (ValueError, KeyError, TypeError):
        raise BadInvite(reason="damaged") from None
    if not _invite_signature_valid(invite, sign_public, signature, canonical(signed)):
        raise BadInvite(reason="signature")
    if not coordinators or any(c.public.key_id != c.device_id for c in coordinators):
        raise BadInvite(reason="coordinators")
    if not isinstance(invite.get("expires_at"), int) or invite["expires_at"] < time.time():
        raise InviteRefused(reason="expired")
    invite["_coordinators"] = coordinators
    invite["_project_fingerprint"] = project_fingerprint(invite["project_id"], sign_public)
    return invite


def join(vault: Vault, path: Path, *, settings: Settings | None = None) -> Membership:
    """Enroll this device with an invite; the server's list of coordinators must be the
    invite's (else someone between us swapped keys)."""
    if is_joined(vault.conn):
        raise AlreadyJoined(project=membership(vault.conn).project_id)
    invite = read_invite(path)
    with transaction(vault.conn):
        device = _device_keys(vault, invite["suite"])
    try:
        body = p.JoinRequest(invite_token=invite["token"], device=device)
    except ValidationError:
        raise BadInvite(reason="token") from None
    settings = with_pin(settings, invite.get("tls_pin"))
    with Transport(invite["server_url"], settings=settings) as transport:
        try:
            answer = transport.request("POST", f"{p.API}/join",
                                       json=body.model_dump(mode="json"), auth=False,
                                       retry=False)
        except ServerRefused as exc:
            if exc.params.get("status") == 410:
                raise InviteRefused(reason="expired") from None
            if exc.params.get("status") in (401, 403, 404):
                raise InviteRefused(reason="invalid") from None
            raise
    enrolled = p.Enrolled.model_validate(answer.json())
    expected = {c.device_id for c in invite["_coordinators"]}
    if enrolled.project.project_id != invite["project_id"] or not expected <= {
            c.device_id for c in enrolled.project.coordinators}:
        raise BadInvite(reason="server answer does not match the invite")
    with transaction(vault.conn):
        member = _save_enrolled(vault, invite["server_url"], enrolled, invite.get("tls_pin"),
                                invite["_coordinators"], settings.insecure_http)
        audit.append(vault.conn, vault.pseudonym, "sync", None,
                     {"project": member.project_id, "role": member.role})
    try:  # the project's roster, checked against the invite's project key
        with transport_for(vault, settings) as transport:
            fetch_roster(vault, transport)
    except (ServerRefused, ServerUnreachable):
        pass  # fetched at the first sync
    return membership(vault.conn)
