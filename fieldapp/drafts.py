"""Form drafts: what a user is typing, saved durably so a crash or a power cut loses nothing.

The desktop app autosaves every open form here; saving the record deletes its draft. A
draft lives in the encrypted vault like everything else (never a plaintext file). Each
save is its own committed transaction (WAL with ``synchronous=FULL``), so it is on disk
when `save_draft` returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import audit, model
from .errors import InvalidInput
from .records import transaction
from .store.db import Connection

DRAFT_KINDS = ("incident", "testimony", "person", "translation")
MAX_DRAFT_BYTES = 2_000_000


@dataclass
class Draft:
    id: str
    kind: str
    record_id: str | None
    body: dict[str, Any]
    updated_at: str


def _check(draft_id: str, kind: str, record_id: str | None, body: Any) -> str:
    if not isinstance(draft_id, str) or not model.ID_RE.match(draft_id):
        raise InvalidInput(field="id", reason="not one of the allowed values")
    if kind not in DRAFT_KINDS:
        raise InvalidInput(field="kind", reason="not one of the allowed values",
                           value=str(kind)[:40])
    if record_id is not None and (not isinstance(record_id, str)
                                  or not model.ID_RE.match(record_id)):
        raise InvalidInput(field="record_id", reason="not one of the allowed values")
    if not isinstance(body, dict):
        raise InvalidInput(field="body", reason="object expected")
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise InvalidInput(field="body", reason="too long")
    if "\x00" in text:
        raise InvalidInput(field="body", reason="invalid character")
    return text


def save_draft(conn: Connection, draft_id: str, kind: str, record_id: str | None,
               body: dict[str, Any]) -> None:
    """Insert or replace the draft ``draft_id``; committed (durable) on return.

    ``record_id`` is the record being edited, or None for a record not saved yet.
    """
    text = _check(draft_id, kind, record_id, body)
    with transaction(conn):
        conn.execute(
            "INSERT INTO draft (id, kind, record_id, body, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
            "record_id = excluded.record_id, body = excluded.body, "
            "updated_at = excluded.updated_at",
            (draft_id, kind, record_id, text, audit.now()))


def _row_to_draft(row: tuple[Any, ...]) -> Draft:
    return Draft(id=row[0], kind=row[1], record_id=row[2], body=json.loads(row[3]),
                 updated_at=row[4])


def load_draft(conn: Connection, draft_id: str) -> Draft | None:
    """The draft ``draft_id``, or None."""
    row = conn.execute("SELECT id, kind, record_id, body, updated_at FROM draft "
                       "WHERE id = ?", (draft_id,)).fetchone()
    return _row_to_draft(row) if row else None


_ANY = object()


def list_drafts(conn: Connection, kind: str | None = None,
                record_id: Any = _ANY) -> list[Draft]:
    """Drafts, newest first; filter by ``kind`` and by ``record_id`` (None: drafts of
    records not saved yet; omitted: all)."""
    clauses, args = [], []
    if kind is not None:
        clauses.append("kind = ?")
        args.append(kind)
    if record_id is None:
        clauses.append("record_id IS NULL")
    elif record_id is not _ANY:
        clauses.append("record_id = ?")
        args.append(record_id)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(
        f"SELECT id, kind, record_id, body, updated_at FROM draft {where} "  # noqa: S608
        "ORDER BY updated_at DESC, id DESC", args).fetchall()
    return [_row_to_draft(r) for r in rows]


def delete_draft(conn: Connection, draft_id: str) -> bool:
    """Remove a draft (after its record was saved, or when discarded); True if it existed."""
    with transaction(conn):
        cur = conn.execute("DELETE FROM draft WHERE id = ?", (draft_id,))
        return cur.rowcount > 0
