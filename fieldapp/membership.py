"""This device's keys, its project membership, the roster it holds and the peer devices.

All of it lives in the SQLCipher vault (migrations 0002, 0005): private keys never leave it.
The sync client reads a `Membership` to know where and as whom to talk. Peers come from
two sources of very different weight: the roster (fieldapp.roster, signed by the project
key or a coordinator it certified) makes a device *approved* or *revoked*; the server's
directory only adds devices *pending* approval, shown to coordinators and never used as a
recipient or accepted as a sender.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from . import audit
from .crypto.keys import DeviceIdentity, ProjectKeys, PublicIdentity
from .errors import NotJoined, RoleRequired
from .roster import Member, Roster, RosterInvalid
from .roster import parse as parse_roster
from .roster import verify as verify_roster
from .store.db import Connection

ROLES = ("coordinator", "monitor", "translator")
PEER_STATES = ("pending", "approved", "revoked")


@dataclass(frozen=True)
class Peer:
    """A device of the project as the directory knows it."""

    device_id: str
    role: str
    pseudonym: str
    public: PublicIdentity
    state: str = "approved"   # pending (the server's word only), approved, revoked
    revoked_at: int | None = None
    seq_cutoff: int | None = None

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    @property
    def revoked(self) -> bool:
        return self.state == "revoked"

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "role": self.role, "pseudonym": self.pseudonym,
                "fingerprint": self.fingerprint, "state": self.state,
                "revoked": self.revoked, "revoked_at": self.revoked_at,
                "public": self.public.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Peer:
        state = str(data.get("state") or ("revoked" if data.get("revoked") else "approved"))
        if state not in PEER_STATES:
            raise ValueError("state")
        return cls(str(data["device_id"]), str(data["role"]), str(data.get("pseudonym", "")),
                   PublicIdentity.from_dict(data["public"]), state)

    @classmethod
    def of_member(cls, member: Member) -> Peer:
        """A peer as a roster lists it."""
        return cls(member.device_id, member.role, member.pseudonym, member.public,
                   member.state, member.revoked_at, member.seq_cutoff)


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


def save_pending_peer(conn: Connection, project_id: str, peer: Peer) -> None:
    """A device the server lists. It stays *pending* (shown, never trusted) unless a roster
    approved or revoked it; a known device's keys never change silently."""
    row = conn.execute("SELECT public, state FROM peer_device WHERE device_id = ?",
                       (peer.device_id,)).fetchone()
    if row and PublicIdentity.from_dict(json.loads(row[0])) != peer.public:
        return  # keys pinned at first sight; a swapped key from the server is ignored
    if row and row[1] != "pending":
        return  # the roster's word stands
    conn.execute(
        "INSERT INTO peer_device (device_id, project_id, role, pseudonym, public, "
        "fingerprint, revoked, state, claimed_role, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, 'pending', ?, ?) "
        "ON CONFLICT (device_id) DO UPDATE SET role = excluded.role, "
        "claimed_role = excluded.claimed_role, pseudonym = excluded.pseudonym, "
        "updated_at = excluded.updated_at",
        (peer.device_id, project_id, peer.role, peer.pseudonym,
         json.dumps(peer.public.to_dict()), peer.fingerprint, peer.role, audit.now()))


def _save_roster_peer(conn: Connection, project_id: str, peer: Peer) -> None:
    conn.execute(
        "INSERT INTO peer_device (device_id, project_id, role, pseudonym, public, "
        "fingerprint, revoked, state, revoked_at, seq_cutoff, claimed_role, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) "
        "ON CONFLICT (device_id) DO UPDATE SET role = excluded.role, "
        "pseudonym = excluded.pseudonym, public = excluded.public, "
        "fingerprint = excluded.fingerprint, revoked = excluded.revoked, "
        "state = excluded.state, revoked_at = excluded.revoked_at, "
        "seq_cutoff = excluded.seq_cutoff, claimed_role = NULL, "
        "updated_at = excluded.updated_at",
        (peer.device_id, project_id, peer.role, peer.pseudonym,
         json.dumps(peer.public.to_dict()), peer.fingerprint, int(peer.revoked), peer.state,
         peer.revoked_at, peer.seq_cutoff, audit.now()))


# --- the roster ---------------------------------------------------------------------------
def held_roster(conn: Connection, project_id: str) -> Roster | None:
    """The latest roster this device verified and adopted (None: none yet)."""
    row = conn.execute("SELECT statement FROM roster WHERE project_id = ?",
                       (project_id,)).fetchone()
    return parse_roster(bytes(row[0])) if row else None


def adopt_roster(conn: Connection, data: bytes) -> Roster | None:
    """Verify a roster statement against the project key and the roster held, and adopt
    it (inside the caller's transaction): peers become approved or revoked as it says,
    the trusted coordinators are its approved coordinators. None when it is not newer
    than the one held (nothing changes); `RosterInvalid` when it must be refused."""
    member = membership(conn)
    current = held_roster(conn, member.project_id)
    try:
        roster = verify_roster(data, member.project_id, _project_public(member), current)
    except RosterInvalid as exc:
        if current is not None and exc.params.get("reason") == "older than the one held":
            return None
        raise
    conn.execute(
        "INSERT INTO roster (project_id, counter, statement, adopted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (project_id) DO UPDATE SET counter = excluded.counter, "
        "statement = excluded.statement, adopted_at = excluded.adopted_at",
        (member.project_id, roster.counter, roster.to_bytes(), audit.now()))
    listed = {m.device_id for m in roster.members}
    for m in roster.members:
        _save_roster_peer(conn, member.project_id, Peer.of_member(m))
    # a device a coordinator approved before and no roster lists any more waits again
    conn.execute(f"UPDATE peer_device SET state = 'pending', claimed_role = role "  # noqa: S608
                 f"WHERE state = 'approved' AND device_id NOT IN "
                 f"({', '.join('?' * len(listed))})", tuple(listed))
    member.coordinators = [Peer.of_member(m) for m in roster.coordinators]
    own = roster.member(member.device_id)
    member.revoked = bool(own is not None and own.revoked)
    save_membership(conn, member)
    audit.append(conn, "", "sync", None, {"roster": roster.counter})
    return roster


def _project_public(member: Membership) -> bytes:
    return base64.b64decode(member.project_sign_public)


def approval(conn: Connection) -> str:
    """This device's own state in the roster it holds: approved, revoked or pending."""
    member = membership(conn)
    roster = held_roster(conn, member.project_id)
    own = roster.member(member.device_id) if roster else None
    return own.state if own is not None else "pending"


def peers(conn: Connection, *, role: str | None = None, include_revoked: bool = False,
          include_pending: bool = False) -> list[Peer]:
    """Devices of the project: those the roster approved (and revoked ones, and pending
    ones the server listed, only when asked)."""
    states = ["approved"] + (["revoked"] if include_revoked else []) + (
        ["pending"] if include_pending else [])
    sql = (f"SELECT {_PEER_COLUMNS} FROM peer_device "  # noqa: S608
           f"WHERE state IN ({', '.join('?' * len(states))})")
    args: list[Any] = list(states)
    if role:
        sql += " AND role = ?"
        args.append(role)
    rows = conn.execute(sql + " ORDER BY role, pseudonym, device_id", args).fetchall()
    return [_peer_of_row(r) for r in rows]


_PEER_COLUMNS = "device_id, role, pseudonym, public, state, revoked_at, seq_cutoff"


def _peer_of_row(row: Any) -> Peer:
    return Peer(row[0], row[1], row[2], PublicIdentity.from_dict(json.loads(row[3])), row[4],
                row[5], row[6])


def peer(conn: Connection, device_id: str) -> Peer | None:
    """A device this vault knows, whatever its state."""
    row = conn.execute(f"SELECT {_PEER_COLUMNS} FROM peer_device "  # noqa: S608
                       "WHERE device_id = ?", (device_id,)).fetchone()
    return _peer_of_row(row) if row is not None else None


__all__ = ["Membership", "Peer", "adopt_roster", "approval", "device_identity", "held_roster",
           "membership", "peers", "require_role"]
