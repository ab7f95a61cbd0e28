"""The project panel's calls into the sync package, each a worker for the ``net`` lane.

Every call opens a connection of its own on the vault (as the sync panel does), so a slow
server never blocks a record being saved. Network tuning comes from the same variables as
``fieldapp sync`` (tests use them for quick retries).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from fieldapp import seen
from fieldapp.errors import NotJoined
from fieldapp.membership import Peer, approval, identity_by_key_id, is_joined, membership
from fieldapp.profile import Vault
from sync import client as sync_client
from sync import devices, enroll
from sync.errors import ServerUnreachable
from sync.link import transport_for
from sync.transport import Settings

T = TypeVar("T")
EXPIRY_HOURS = (24, 72, 168, 720)   # choices offered for an invite's validity


@dataclass(frozen=True)
class Device:
    """One row of the device list."""

    device_id: str
    pseudonym: str
    role: str
    state: str            # pending, approved, revoked
    fingerprint: str
    last_seen: str | None
    own: bool = False


@dataclass(frozen=True)
class Project:
    """What this device knows of its project, without asking the server."""

    name: str
    role: str
    state: str            # this device's approval: pending, approved, revoked
    fingerprint: str      # this device's, to read aloud


@dataclass(frozen=True)
class MadeInvite:
    path: Path
    role: str
    expires_at: int
    text: str             # the invite itself, compact (what the QR code holds)
    fingerprint: str      # the coordinator's own, to read aloud to the joiner


def settings() -> Settings:
    found = Settings()
    if os.environ.get("FIELDAPP_SYNC_BACKOFF"):
        found.backoff = float(os.environ["FIELDAPP_SYNC_BACKOFF"])
    if os.environ.get("FIELDAPP_SYNC_ATTEMPTS"):
        found.attempts = max(1, int(os.environ["FIELDAPP_SYNC_ATTEMPTS"]))
    return found


@contextmanager
def _own(vault: Vault) -> Iterator[Vault]:
    conn = vault.reader(check_same_thread=False)
    try:
        yield dataclasses.replace(vault, conn=conn)
    finally:
        conn.close()


def _with_own(vault: Vault, fn: Callable[[Vault], T]) -> T:
    with _own(vault) as own:
        return fn(own)


def project(vault: Vault) -> Project | None:
    """This device's project (None: not in one). Reads the vault only."""
    if not is_joined(vault.conn):
        return None
    member = membership(vault.conn)
    fingerprint = identity_by_key_id(vault.conn, member.key_id).public.fingerprint
    return Project(member.name, member.role, approval(vault.conn), fingerprint)


def _rows(vault: Vault, found: list[Peer]) -> list[Device]:
    own = membership(vault.conn).device_id
    written = seen.last_written(vault.conn)
    order = {"pending": 0, "approved": 1, "revoked": 2}
    rows = [Device(p.device_id, p.pseudonym, p.role, p.state, p.fingerprint,
                   written.get(p.pseudonym), p.device_id == own) for p in found]
    return sorted(rows, key=lambda d: (order.get(d.state, 3), d.pseudonym.casefold()))


def load_devices(vault: Vault) -> list[Device]:
    """Worker: every device of the project, pending ones as the server lists them."""
    def work(own: Vault) -> list[Device]:
        return _rows(own, devices.list_devices(own, settings=settings()))
    return _with_own(vault, work)


def approve(vault: Vault, device_id: str, fingerprint: str, role: str) -> str:
    """Worker: approve a waiting device (the fingerprint typed must match); its pseudonym."""
    def work(own: Vault) -> str:
        return devices.approve(own, device_id, fingerprint, role=role,
                               settings=settings()).pseudonym
    return _with_own(vault, work)


def revoke(vault: Vault, device_id: str) -> str:
    """Worker: receive what is waiting first (as ``fieldapp revoke``), then revoke."""
    def work(own: Vault) -> str:
        try:
            sync_client.sync(own, settings=settings())
        except ServerUnreachable:
            pass  # the revocation itself needs the server and says so
        return devices.revoke(own, device_id, settings=settings()).pseudonym
    return _with_own(vault, work)


def make_invite(vault: Vault, role: str, path: Path, hours: int) -> MadeInvite:
    """Worker: ask the server for a one-time invite and write it to ``path``."""
    def work(own: Vault) -> MadeInvite:
        invite = enroll.create_invite(own, role, path, expires_in=hours * 3600,
                                      settings=settings())
        found = project(own)
        text = json.dumps(invite, separators=(",", ":"), sort_keys=True)
        return MadeInvite(path, str(invite["role"]), int(invite["expires_at"]), text,
                          found.fingerprint if found else "")
    return _with_own(vault, work)


def role_of(vault: Vault) -> str | None:
    try:
        return membership(vault.conn).role
    except NotJoined:
        return None


def own_state(vault: Vault) -> str:
    """Worker: fetch the roster (learning whether this device was approved); its state."""
    def work(own: Vault) -> str:
        with transport_for(own, settings()) as transport:
            devices.fetch_roster(own, transport)
        return approval(own.conn)
    return _with_own(vault, work)


def join(vault: Vault, invite: object) -> Project | None:
    """Worker: join with a checked invite (``ui.sync_bridge.Invite``); this device's
    project afterwards (pending until a coordinator approves it)."""
    from .. import sync_bridge

    def work(own: Vault) -> Project | None:
        sync_bridge.join(own, invite)
        return project(own)
    return _with_own(vault, work)
