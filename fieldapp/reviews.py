"""Coordinators' reviews of records: written here, applied to the record's status, and
queued in the outbox in the same transaction."""

from __future__ import annotations

from . import audit, model
from .errors import InvalidInput, NotFound
from .outbox import enqueue
from .records import head_version, transaction
from .store.db import Connection
from .text import uuid7

REVIEW_STATUSES = ("new", "needs-info", "verified", "unsubstantiated", "duplicate")
CONFIDENCES = ("low", "medium", "high")
MAX_NOTE = 5000


def add_review(conn: Connection, reviewer: str, record_id: str, status: str, *,
               note: str = "", confidence: str | None = None,
               duplicate_of: str | None = None) -> str:
    """A coordinator's review of a record: stored, applied to the record's status, queued."""
    if status not in REVIEW_STATUSES:
        raise InvalidInput(field="status", reason="not one of the allowed values",
                           value=status[:40])
    if confidence is not None and confidence not in CONFIDENCES:
        raise InvalidInput(field="confidence", reason="not one of the allowed values",
                           value=confidence[:40])
    if len(note) > MAX_NOTE or "\x00" in note:
        raise InvalidInput(field="note", reason="too long")
    if status == "duplicate":
        if not duplicate_of or not model.ID_RE.match(duplicate_of):
            raise InvalidInput(field="duplicate-of", reason="required")
    elif duplicate_of:
        raise InvalidInput(field="duplicate-of", reason="not one of the allowed values")
    with transaction(conn):
        head = head_version(conn, record_id)
        if status == "duplicate" and head_version(conn, duplicate_of or "") is None:
            raise NotFound(kind="record", id=str(duplicate_of)[:60])
        review_id = uuid7()
        conn.execute(
            "INSERT INTO review (id, record_id, version_hash, status, duplicate_of, "
            "confidence, note, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (review_id, record_id, head, status, duplicate_of, confidence, note.strip(),
             reviewer, audit.now()))
        conn.execute("UPDATE record SET status = ? WHERE id = ?", (status, record_id))
        enqueue(conn, "review", review_id, record_id)
        audit.append(conn, reviewer, "review", record_id, {"status": status})
    return review_id

