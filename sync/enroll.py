"""Enrollment: create a project (coordinator), write invites, join with one, list and
revoke devices, refresh the directory of peers.

The project keys and every device key are made locally; the server learns public keys
only. An invite file carries the server URL, the project id, the coordinators' public keys
and fingerprints, a one-time expiring token and an optional TLS pin, signed with the
project key. The invite is a secret until used (it holds the token): written 0600.
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
from fieldapp.errors import UnreadableFile
from fieldapp.fsutil import atomic_write
from fieldapp.jsonutil import canonical
from fieldapp.membership import (
    Membership,
    Peer,
    device_identity,
    is_joined,
    membership,
    project_keys,
    require_role,
    save_membership,
    save_peer,
    save_project_keys,
)
from fieldapp.profile import Vault
from fieldapp.records import transaction

from . import protocol as p
from .errors import AlreadyJoined, BadInvite, InviteRefused, ServerRefused
from .transport import Settings, Transport

INVITE_FORMAT = "fieldapp-invite-1"
DIRECTORY_SETTING = "sync_directory_at"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def peer_of(info: p.DeviceInfo) -> Peer:
    """A directory entry from the server's description of a device; the device id must be
    the hash of the keys (so the server cannot pair an id with other keys)."""
    public = PublicIdentity(info.suite, p.unb64(info.sign_public), p.unb64(info.kem_public))
    if public.key_id != info.device_id:
        raise ServerRefused(status=200, code="device_id_mismatch")
    return Peer(info.device_id, info.role, info.pseudonym, public, info.revoked_at is not None)


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
    for peer in coordinators:
        save_peer(vault.conn, project.project_id, peer)
    # the coordinators just came with the invite: no need to ask again at the first sync
    vault.set_setting(DIRECTORY_SETTING, str(time.time()))
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
    settings = _with_pin(settings, tls_pin)
    with Transport(server_url, settings=settings) as transport:
        answer = transport.request("POST", f"{p.API}/projects",
                                   json=body.model_dump(mode="json"), auth=False, retry=False)
    enrolled = p.Enrolled.model_validate(answer.json())
    with transaction(vault.conn):
        save_project_keys(vault.conn, keys)
        member = _save_enrolled(vault, server_url, enrolled, tls_pin,
                                [peer_of(c) for c in enrolled.project.coordinators],
                                settings.insecure_http)
        audit.append(vault.conn, vault.pseudonym, "sync", None,
                     {"project": keys.project_id, "role": "coordinator"})
    return member


def _with_pin(settings: Settings | None, tls_pin: str | None) -> Settings:
    settings = settings or Settings()
    if tls_pin:
        settings.tls_pin = tls_pin
    return settings


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return ".".join(str(x) for x in first.get("loc", ())) or "value"


def transport_for(vault: Vault, settings: Settings | None = None) -> Transport:
    """A transport to this profile's server, as this device."""
    member = membership(vault.conn)
    settings = _with_pin(settings, member.tls_pin)
    settings.insecure_http = settings.insecure_http or member.insecure_http
    return Transport(member.server_url, member.device_token, settings)


def create_invite(vault: Vault, role: str, out: Path, *, expires_in: int = 7 * 24 * 3600,
                  settings: Settings | None = None) -> dict[str, Any]:
    """Ask the server for a one-time token and write the signed invite file."""
    member = require_role(vault.conn, "coordinator")
    keys = project_keys(vault.conn, member.project_id)
    with transport_for(vault, settings) as transport:
        answer = transport.request("POST", f"{p.API}/invites", json=p.InviteCreate(
            role=role, expires_in=expires_in).model_dump(mode="json"))  # type: ignore[arg-type]
    created = p.InviteCreated.model_validate(answer.json())
    invite = {
        "format": INVITE_FORMAT, "server_url": member.server_url,
        "project_id": member.project_id, "name": member.name, "suite": member.suite,
        "role": created.role, "token": created.token, "expires_at": created.expires_at,
        "project_sign_public": member.project_sign_public,
        "coordinators": [peer_of(c).to_dict() for c in created.project.coordinators],
        "server_sign_public": created.server_sign_public, "tls_pin": member.tls_pin,
    }
    signature = keys.sign(canonical(invite)) if keys else b""
    invite["signature"] = _b64(signature)
    atomic_write(Path(out), json.dumps(invite, indent=2, sort_keys=True).encode())
    return invite


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
    if not verify_ed25519(sign_public, signature, canonical(signed)):
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
    settings = _with_pin(settings, invite.get("tls_pin"))
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
    return member


def refresh_directory(vault: Vault, transport: Transport) -> list[Peer]:
    """Fetch the devices this device may encrypt to (coordinators see all, revoked too).

    Only a coordinator takes new coordinators from the server's word; monitors and
    translators trust the coordinators of their invite and of lists signed with the
    project key (`apply_coordinator_list`), so a malicious server cannot slip its own key
    in among the recipients of their records."""
    member = membership(vault.conn)
    if member.is_coordinator:
        answer = transport.request("GET", f"{p.API}/devices")
        infos = p.DeviceList.model_validate(answer.json()).devices
    else:
        answer = transport.request("GET", f"{p.API}/directory")
        infos = p.Directory.model_validate(answer.json()).devices
    found = [peer_of(i) for i in infos]
    with transaction(vault.conn):
        for peer in found:
            save_peer(vault.conn, member.project_id, peer)
        coordinators = {c.device_id: c for c in member.coordinators}
        if member.is_coordinator:
            for peer in found:
                if peer.role == "coordinator" and peer.device_id not in coordinators:
                    coordinators[peer.device_id] = peer
        revoked = {f.device_id for f in found if f.revoked}
        member.coordinators = [c for c in coordinators.values() if c.device_id not in revoked]
        save_membership(vault.conn, member)
    return found


COORDINATORS_AT = "sync_coordinators_at"


def coordinator_list_message(project_id: str, coordinators: list[dict[str, Any]],
                             at: int) -> bytes:
    """The bytes the project key signs in a list of coordinators."""
    return canonical({"project_id": project_id, "coordinators": coordinators, "at": at})


def signed_coordinator_list(vault: Vault) -> dict[str, Any] | None:
    """The current coordinators, signed with the project key (None without the key)."""
    member = membership(vault.conn)
    keys = project_keys(vault.conn, member.project_id)
    if keys is None:
        return None
    listed = sorted((c.to_dict() for c in member.coordinators),
                    key=lambda c: c["device_id"])
    at = int(time.time() * 1000)
    signature = keys.sign(coordinator_list_message(member.project_id, listed, at))
    return {"type": "coordinators", "record_id": member.project_id, "coordinators": listed,
            "at": at, "signature": _b64(signature)}


def apply_coordinator_list(vault: Vault, item: dict[str, Any]) -> bool:
    """Adopt a list of coordinators signed with the project key, newer than the last one
    (inside the caller's transaction); False when it is older, forged or not ours."""
    member = membership(vault.conn)
    try:
        listed = list(item["coordinators"])
        at = int(item["at"])
        signature = p.unb64(str(item["signature"]))
        public = p.unb64(member.project_sign_public)
        peers = [Peer.from_dict(c) for c in listed]
    except (KeyError, TypeError, ValueError):
        return False
    if not verify_ed25519(public, signature,
                          coordinator_list_message(member.project_id, listed, at)):
        return False
    if at <= int(vault.setting(COORDINATORS_AT, "0") or 0) or not peers or any(
            c.public.key_id != c.device_id for c in peers):
        return False
    member.coordinators = [c for c in peers if not c.revoked]
    save_membership(vault.conn, member)
    for peer in peers:
        save_peer(vault.conn, member.project_id, peer)
    vault.set_setting(COORDINATORS_AT, str(at))
    return True


def list_devices(vault: Vault, settings: Settings | None = None) -> list[Peer]:
    """Every device of the project (coordinator)."""
    require_role(vault.conn, "coordinator")
    with transport_for(vault, settings) as transport:
        return refresh_directory(vault, transport)


def revoke(vault: Vault, device_id: str, settings: Settings | None = None) -> Peer:
    """Revoke a device: the server refuses it from now on; it is left out of new epochs."""
    member = require_role(vault.conn, "coordinator")
    if not isinstance(device_id, str) or len(device_id) != 16 or not all(
            ch in "0123456789abcdef" for ch in device_id):
        from fieldapp.errors import InvalidInput

        raise InvalidInput(field="DEVICE_ID", reason="not one of the allowed values",
                           value=str(device_id)[:40])
    with transport_for(vault, settings) as transport:
        answer = transport.request("POST", f"{p.API}/devices/{device_id}/revoke")
        peer = peer_of(p.DeviceInfo.model_validate(answer.json()))
    with transaction(vault.conn):
        save_peer(vault.conn, member.project_id, peer)
        vault.conn.execute("UPDATE peer_device SET revoked = 1 WHERE device_id = ?",
                           (device_id,))
        # epochs that included the revoked device are not used for new items
        vault.conn.execute("UPDATE epoch_key SET own = 2 WHERE own = 1 AND recipients "
                           "LIKE ?", (f'%"{device_id}"%',))
        audit.append(vault.conn, vault.pseudonym, "sync", None, {"revoked": device_id})
    return peer
