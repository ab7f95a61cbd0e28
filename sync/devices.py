"""Devices of the project, as coordinators decide: the roster exchanged with the server,
devices waiting for approval, approval after comparing fingerprints, revocation.

The roster (fieldapp/roster.py) is the only source of who belongs: a device that joins
with an invite is *pending* until a coordinator approves it, having compared the
fingerprint the joiner reads aloud with the one shown here. The server's device list only
tells who is waiting; nothing is signed because the server lists it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from fieldapp import audit
from fieldapp import roster as rosters
from fieldapp.errors import InvalidInput
from fieldapp.membership import (
    Peer,
    adopt_roster,
    held_roster,
    identity_by_key_id,
    membership,
    peer,
    peers,
    project_keys,
    require_role,
    save_pending_peer,
)
from fieldapp.profile import Vault
from fieldapp.records import transaction

from . import protocol as p
from .errors import (
    FingerprintMismatch,
    LastCoordinator,
    NotApproved,
    NotPending,
    ProjectKeyRequired,
    RosterConflict,
    ServerRefused,
)
from .link import peer_of, transport_for
from .transport import Settings, Transport

PUBLISHED_SETTING = "roster_published"
ATTEMPTS = 3
_DEVICE_ID = re.compile(r"^[0-9a-f]{16}$")


def _now_ms() -> int:
    return int(time.time() * 1000)


# --- the roster, both ways ------------------------------------------------------------------
def fetch_roster(vault: Vault, transport: Transport) -> rosters.Roster | None:
    """Adopt the server's roster when it is newer than the one held (and verifies); the
    newly adopted roster, or None. A roster that does not verify is refused (the reason
    goes to the audit log) and the one held stays: a server cannot stall a sync with it.
    When the server has nothing newer, the roster held is offered to it (made offline, or
    its first upload was cut)."""
    member = membership(vault.conn)
    held = held_roster(vault.conn, member.project_id)
    answer = transport.request("GET", f"{p.API}/roster",
                               params={"since": held.counter if held else 0})
    if answer.status_code == 204 or not answer.content:
        if held is not None and vault.setting(PUBLISHED_SETTING) != str(held.counter):
            _publish(vault, transport, held)
        return None
    with transaction(vault.conn):
        try:
            adopted = adopt_roster(vault.conn, answer.content)
        except rosters.RosterInvalid as exc:
            audit.append(vault.conn, vault.pseudonym, "sync", None,
                         {"roster_refused": str(exc.params.get("reason", ""))[:80]})
            return None
        if adopted is not None:
            vault.set_setting(PUBLISHED_SETTING, str(adopted.counter))
    return adopted


def _publish(vault: Vault, transport: Transport, roster: rosters.Roster) -> None:
    try:
        transport.request("PUT", f"{p.API}/roster/{roster.counter}",
                          content=roster.to_bytes(),
                          headers={"Content-Type": "application/json"})
    except ServerRefused as exc:
        if exc.params.get("status") == 409:
            raise RosterConflict() from None
        raise
    with transaction(vault.conn):
        vault.set_setting(PUBLISHED_SETTING, str(roster.counter))


def first_roster(vault: Vault, transport: Transport) -> rosters.Roster:
    """At project creation: the roster naming this device the first coordinator, signed
    with the project key, adopted here and offered to the server."""
    member = membership(vault.conn)
    keys = project_keys(vault.conn, member.project_id)
    if keys is None:
        raise ProjectKeyRequired()
    public = identity_by_key_id(vault.conn, member.key_id).public
    now = _now_ms()
    founder = rosters.Member(member.device_id, "coordinator", vault.pseudonym or "device",
                             public, approved_at=now,
                             certificate=rosters.certify(member.project_id, public, now,
                                                         keys.sign))
    roster = rosters.sign_roster(member.project_id, 1, now, [founder],
                                 rosters.PROJECT_SIGNER, keys.sign)
    with transaction(vault.conn):
        adopt_roster(vault.conn, roster.to_bytes())
    try:
        _publish(vault, transport, roster)
    except (ServerRefused, RosterConflict):
        pass  # offered again at the next sync (fetch_roster)
    return roster


def _signer(vault: Vault) -> tuple[str, Callable[[bytes], bytes]]:
    """Who signs the next roster: the project key when this device holds it, else this
    coordinator's own key (the roster lists its certificate)."""
    member = membership(vault.conn)
    keys = project_keys(vault.conn, member.project_id)
    if keys is not None:
        return rosters.PROJECT_SIGNER, keys.sign
    held = held_roster(vault.conn, member.project_id)
    own = held.member(member.device_id) if held else None
    if own is None or not own.approved or own.certificate is None:
        raise NotApproved()
    return member.device_id, identity_by_key_id(vault.conn, member.key_id).sign


def _change(vault: Vault, settings: Settings | None,
            build: Callable[[rosters.Roster], list[rosters.Member]]) -> rosters.Roster:
    """Make, sign and publish the next roster from the latest one; when another
    coordinator published first (409), start again from theirs."""
    member = require_role(vault.conn, "coordinator")
    for _attempt in range(ATTEMPTS):
        with transport_for(vault, settings) as transport:
            fetch_roster(vault, transport)
            held = held_roster(vault.conn, member.project_id)
            if held is None or held.member(member.device_id) is None \
                    or not held.member(member.device_id).approved:  # type: ignore[union-attr]
                raise NotApproved()
            signer, sign = _signer(vault)
            new = rosters.sign_roster(member.project_id, held.counter + 1, _now_ms(),
                                      build(held), signer, sign)
            try:
                _publish(vault, transport, new)
            except RosterConflict:
                continue
        with transaction(vault.conn):
            adopt_roster(vault.conn, new.to_bytes())
            vault.set_setting(PUBLISHED_SETTING, str(new.counter))
        return new
    raise RosterConflict()


# --- devices --------------------------------------------------------------------------------
def refresh_pending(vault: Vault, transport: Transport) -> list[Peer]:
    """Ask the server which devices exist (coordinators): those no roster lists are kept
    as *pending*, to be approved or not. Returns what the server listed."""
    member = membership(vault.conn)
    answer = transport.request("GET", f"{p.API}/devices")
    found = [peer_of(i) for i in p.DeviceList.model_validate(answer.json()).devices]
    with transaction(vault.conn):
        for listed in found:
            save_pending_peer(vault.conn, member.project_id,
                              Peer(listed.device_id, listed.role, listed.pseudonym,
                                   listed.public, "pending"))
    return found


def list_devices(vault: Vault, settings: Settings | None = None) -> list[Peer]:
    """Every device of the project (coordinator): approved and revoked as the roster says,
    pending as the server lists them."""
    require_role(vault.conn, "coordinator")
    with transport_for(vault, settings) as transport:
        fetch_roster(vault, transport)
        refresh_pending(vault, transport)
    return peers(vault.conn, include_revoked=True, include_pending=True)


def normalise_fingerprint(code: str) -> str:
    """The digits of a fingerprint as read aloud (spaces, dashes and dots ignored)."""
    return "".join(ch for ch in str(code) if ch.isdigit())


def _check_device_id(device_id: str) -> str:
    if not isinstance(device_id, str) or not _DEVICE_ID.match(device_id):
        raise InvalidInput(field="DEVICE_ID", reason="not one of the allowed values",
                           value=str(device_id)[:40])
    return device_id


def approve(vault: Vault, device_id: str, fingerprint: str, *, role: str | None = None,
            settings: Settings | None = None) -> rosters.Member:
    """Approve a device waiting for it, once the fingerprint its user read aloud matches
    its keys. ``role`` defaults to the role of the invite it joined with."""
    _check_device_id(device_id)
    list_devices(vault, settings)
    waiting = peer(vault.conn, device_id)
    if waiting is None or waiting.state != "pending":
        raise NotPending(device=device_id)
    if normalise_fingerprint(fingerprint) != normalise_fingerprint(waiting.fingerprint):
        raise FingerprintMismatch(device=device_id)
    role = role or waiting.role
    if role not in rosters.ROLES:
        raise InvalidInput(field="role", reason="not one of the allowed values", value=role)
    member = membership(vault.conn)
    certificate = None
    if role == "coordinator":
        keys = project_keys(vault.conn, member.project_id)
        if keys is None:
            raise ProjectKeyRequired()
        certificate = rosters.certify(member.project_id, waiting.public, _now_ms(), keys.sign)
    signer, _sign = _signer(vault)
    approved = rosters.Member(device_id, role, waiting.pseudonym or "device", waiting.public,
                              approved_at=_now_ms(), approved_by=signer,
                              certificate=certificate)
    _change(vault, settings, lambda held: rosters.with_member(held, approved))
    with transaction(vault.conn):
        audit.append(vault.conn, vault.pseudonym, "sync", None,
                     {"approved": device_id, "role": role})
    return approved


def revoke(vault: Vault, device_id: str, settings: Settings | None = None) -> Peer:
    """Revoke a device. One in the roster is revoked there, with the time and with how
    far this coordinator had received (items it signed that arrive later, from the server,
    a bundle or a relay, are refused); one only waiting is shut out by the server."""
    _check_device_id(device_id)
    member = require_role(vault.conn, "coordinator")
    list_devices(vault, settings)
    target = peer(vault.conn, device_id)
    if target is None:
        raise NotPending(device=device_id)
    if target.state == "pending":
        with transport_for(vault, settings) as transport:
            transport.request("POST", f"{p.API}/devices/{device_id}/revoke")
    elif target.state == "approved":
        held = held_roster(vault.conn, member.project_id)
        if target.role == "coordinator" and held is not None and \
                [c.device_id for c in held.coordinators] == [device_id]:
            raise LastCoordinator()
        row = vault.conn.execute("SELECT seq FROM pull_checkpoint WHERE project_id = ?",
                                 (member.project_id,)).fetchone()
        cutoff = int(row[0]) if row else 0
        at = _now_ms()
        _change(vault, settings,
                lambda held: rosters.with_revocation(held, device_id, at, cutoff))
    with transaction(vault.conn):
        # epochs that included the revoked device are not used for new items
        vault.conn.execute("UPDATE epoch_key SET own = 2 WHERE own = 1 AND recipients "
                           "LIKE ?", (f'%"{device_id}"%',))
        audit.append(vault.conn, vault.pseudonym, "sync", None, {"revoked": device_id})
    return peer(vault.conn, device_id) or target


__all__ = ["approve", "fetch_roster", "first_roster", "list_devices", "normalise_fingerprint",
           "refresh_pending", "revoke"]
