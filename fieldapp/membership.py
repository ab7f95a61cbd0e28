"""This device's keys, its project membership and the directory of peer devices.

All of it lives in the SQLCipher vault (migration 0002): private keys never leave it. The
sync client reads a `Membership` to know where and as whom to talk; the outbox reads the
directory to know whom to seal each item for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import audit
from .crypto.keys import DeviceIdentity, ProjectKeys, PublicIdentity
from .errors import NotJoined, RoleRequired
from .store.db import Connection

ROLES = ("coordinator", "monitor", "translator")


@dataclass(frozen=True)
class Peer:
    """A device of the project as the directory knows it."""

    device_id: str
    role: str
    pseudonym: str
    public: PublicIdentity
    revoked: bool = False

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "role": self.role, "pseudonym": self.pseudonym,
                "fingerprint": self.fingerprint, "revoked": self.revoked,
                "public": self.public.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Peer:
        return cls(str(data["device_id"]), str(data["role"]), str(data.get("pseudonym", "")),
                   PublicIdentity.from_dict(data["public"]), bool(data.get("revoked", False)))


@dataclass
class Membership:
    """This profile's place in a project."""

    project_id: str
    name: str
    server_url: str
    role: str
    device_id: str
    device_token: str = field(repr=False)
    key_id: str
    suite: str
    project_sign_public: str
    coordinators: list[Peer]
    server_receipt_key: str
    tls_pin: str | None
    revoked: bool = False
    insecure_http: bool = False  # plain http:// beyond loopback allowed (a lab server)

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def device_identity(conn: Connection, suite: str) -> DeviceIdentity:
    """This device's identity for ``suite``; made (inside the vault) on first use."""
    row = conn.execute("SELECT private FROM device_key WHERE suite = ? ORDER BY created_at "
                       "DESC LIMIT 1", (suite,)).fetchone()
    if row:
        return DeviceIdentity.loads(bytes(row[0]))
    identity = DeviceIdentity.generate(suite)
    conn.execute("INSERT INTO device_key (key_id, suite, private, public, created_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 (identity.public.key_id, suite, identity.dumps(),
                  json.dumps(identity.public.to_dict()), audit.now()))
    return identity


def identity_by_key_id(conn: Connection, key_id: str) -> DeviceIdentity:
    row = conn.execute("SELECT private FROM device_key WHERE key_id = ?",
                       (key_id,)).fetchone()
    if row is None:
        raise NotJoined()
    return DeviceIdentity.loads(bytes(row[0]))


def save_project_keys(conn: Connection, keys: ProjectKeys) -> None:
    conn.execute("INSERT INTO project_key (project_id, suite, private, created_at) "
                 "VALUES (?, ?, ?, ?)", (keys.project_id, keys.suite, keys.sign_private,
                                         audit.now()))


def project_keys(conn: Connection, project_id: str) -> ProjectKeys | None:
    row = conn.execute("SELECT suite, private FROM project_key WHERE project_id = ?",
                       (project_id,)).fetchone()
    return ProjectKeys(project_id, row[0], bytes(row[1])) if row else None


_COLUMNS = ("project_id", "name", "server_url", "role", "device_id", "device_token",
            "key_id", "suite", "project_sign_public", "coordinators", "server_receipt_key",
            "tls_pin", "revoked", "insecure_http")


def save_membership(conn: Connection, m: Membership) -> None:
    values = [getattr(m, c) for c in _COLUMNS]
    values[_COLUMNS.index("coordinators")] = json.dumps([p.to_dict() for p in m.coordinators])
    values[_COLUMNS.index("revoked")] = int(m.revoked)
    values[_COLUMNS.index("insecure_http")] = int(m.insecure_http)
    conn.execute(
        f"INSERT OR REPLACE INTO membership ({', '.join(_COLUMNS)}, joined_at) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(_COLUMNS))}, ?)", (*values, audit.now()))


def membership(conn: Connection) -> Membership:
    """The project this profile joined, or `NotJoined`."""
    row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM membership "  # noqa: S608
                       "ORDER BY joined_at DESC LIMIT 1").fetchone()
    if row is None:
        raise NotJoined()
    data = dict(zip(_COLUMNS, row, strict=True))
    data["coordinators"] = [Peer.from_dict(p) for p in json.loads(data["coordinators"])]
    data["revoked"] = bool(data["revoked"])
    data["insecure_http"] = bool(data["insecure_http"])
    return Membership(**data)


def is_joined(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM membership").fetchone() is not None


def require_role(conn: Connection, *roles: str) -> Membership:
    """The membership, or `RoleRequired` when this device's role is not one of ``roles``."""
    m = membership(conn)
    if m.role not in roles:
        raise RoleRequired(role=roles[0], current=m.role)
    return m


def mark_revoked(conn: Connection) -> None:
    conn.execute("UPDATE membership SET revoked = 1")


def save_peer(conn: Connection, project_id: str, peer: Peer) -> None:
    """Add or refresh a directory entry. A known device's keys never change silently."""
    row = conn.execute("SELECT public FROM peer_device WHERE device_id = ?",
                       (peer.device_id,)).fetchone()
    if row and PublicIdentity.from_dict(json.loads(row[0])) != peer.public:
        return  # keys pinned at first sight; a swapped key from the server is ignored
    conn.execute(
        "INSERT INTO peer_device (device_id, project_id, role, pseudonym, public, "
        "fingerprint, revoked, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (device_id) DO UPDATE SET role = excluded.role, "
        "pseudonym = excluded.pseudonym, revoked = excluded.revoked, "
        "updated_at = excluded.updated_at",
        (peer.device_id, project_id, peer.role, peer.pseudonym,
         json.dumps(peer.public.to_dict()), peer.fingerprint, int(peer.revoked),
         audit.now()))


def peers(conn: Connection, *, role: str | None = None,
          include_revoked: bool = False) -> list[Peer]:
    sql = "SELECT device_id, role, pseudonym, public, revoked FROM peer_device WHERE 1 = 1"
    args: list[Any] = []
    if role:
        sql += " AND role = ?"
        args.append(role)
    if not include_revoked:
        sql += " AND revoked = 0"
    rows = conn.execute(sql + " ORDER BY role, pseudonym, device_id", args).fetchall()
    return [Peer(r[0], r[1], r[2], PublicIdentity.from_dict(json.loads(r[3])), bool(r[4]))
            for r in rows]


def peer(conn: Connection, device_id: str) -> Peer | None:
    for p in peers(conn, include_revoked=True):
        if p.device_id == device_id:
            return p
    return None


__all__ = ["Membership", "Peer", "device_identity", "membership", "peers", "require_role"]
