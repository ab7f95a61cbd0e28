"""The audit log: append-only, hash-chained chain of custody.

Each entry's hash covers the previous entry's hash and the entry's own fields, so removing,
reordering or changing any entry breaks every later hash. Triggers refuse UPDATE and
DELETE; `verify` catches what the triggers cannot (a raw edit of the file by someone who
holds the key).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from .jsonutil import canonical, sha256_hex
from .store.db import Connection

GENESIS = "0" * 64
ACTIONS = ("create", "edit", "attach", "export", "passphrase", "recovery", "duress",
           "review", "translate", "sync", "receipt", "assign", "import", "quarantine")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _entry_hash(prev: str, seq: int, at: str, actor: str, action: str,
                record_id: str | None, detail: str) -> str:
    return sha256_hex(canonical([prev, seq, at, actor, action, record_id, detail]))


def append(conn: Connection, actor: str, action: str, record_id: str | None = None,
           detail: dict[str, Any] | None = None) -> str:
    """Append an entry (inside the caller's transaction); returns its hash."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = now()
    detail_text = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False)
    digest = _entry_hash(prev, seq, at, actor, action, record_id, detail_text)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, record_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, record_id, detail_text, prev, digest),
    )
    return digest


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str = ""
    head: str = GENESIS


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the start; the first entry that does not fit is reported."""
    prev, expected_seq, count = GENESIS, 1, 0
    for seq, at, actor, action, record_id, detail, prev_hash, digest in conn.execute(
        "SELECT seq, at, actor, action, record_id, detail, prev_hash, hash "
        "FROM audit ORDER BY seq"
    ):
        if seq != expected_seq:
            return Verdict(False, count, seq, "gap", prev)
        if prev_hash != prev:
            return Verdict(False, count, seq, "link", prev)
        if _entry_hash(prev_hash, seq, at, actor, action, record_id, detail) != digest:
            return Verdict(False, count, seq, "hash", prev)
        prev, expected_seq, count = digest, seq + 1, count + 1
    return Verdict(True, count, head=prev)


def entries(conn: Connection, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT seq, at, actor, action, record_id, detail, hash FROM audit "
        "ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    keys = ("seq", "at", "actor", "action", "record_id", "detail", "hash")
    out = []
    for row in rows:
        item = dict(zip(keys, row, strict=True))
        item["detail"] = json.loads(item["detail"])
        out.append(item)
    return out
