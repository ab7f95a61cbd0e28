"""The coordinator's review queue, the notes that reach monitors, and reviews of many
records at once (no Qt: the desktop app's desk pages and the benchmarks read these).

A record is *in the queue* when its current version was written by someone else and no
review was written for that version: a monitor who answers a "needs-info" note by editing
the record (a new version) puts it back in the queue by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .records import LIST_COLUMNS, Summary, field_filters
from .reviews import add_review
from .store.db import Connection

QUEUE_KINDS = ("incident", "testimony")
SEEN_KEY = "review_queue_seen"        # the newest version the coordinator has seen listed
NOTES_READ_KEY = "review_notes_read"  # the newest note the monitor has opened the list on

# No review was written for the record's current version: the flag the store's triggers
# keep on the record row (migration 0010), read through a partial index of those waiting.
_QUEUED = "r.unreviewed = 1"


@dataclass(frozen=True)
class Review:
    id: str
    record_id: str
    version_hash: str | None
    status: str
    duplicate_of: str | None
    confidence: str | None
    note: str
    reviewer: str
    created_at: str
    origin: str


_REVIEW_COLUMNS = ("id", "record_id", "version_hash", "status", "duplicate_of",
                   "confidence", "note", "reviewer", "created_at", "origin")


def _setting(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _set_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) "
                 "DO UPDATE SET value = excluded.value", (key, value))


class ReviewQueue:
    """Records waiting for a review, newest first, with the list filters: kind
    ("incident" or "testimony"), monitor (who wrote it), region, event_type, status,
    date_from, date_to; ``reviewed`` "1" lists reviewed records too. Shaped like a
    `RecordStore` for the list models (`count`, then `list` page by page).

    "Received": the current version was written by someone else than ``me`` (this
    device's pseudonym), read from the record row; a version's origin lies beyond its
    body, which would mean reading every body of the store.

    `count` finds the whole queue once (its ids, in order); `list` reads the pages of it
    the table asks for. With 100k records and 10k to review this is one pass."""

    def __init__(self, conn: Connection, me: str | None = None) -> None:
        self.conn = conn
        self.me = me
        self.seen_mark = int(_setting(conn, SEEN_KEY) or 0)
        self._ids: list[str] = []
        self.authors: list[str] = []  # who wrote the records of the last queue read
        self._key: tuple[Any, ...] | None = None

    def _where(self, kind: str | None, filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        kinds = [kind] if kind else [filters["kind"]] if filters.get("kind") else QUEUE_KINDS
        # "+": scan the table rather than walk the kind index (random reads of every row)
        clauses = [f"+r.kind IN ({', '.join('?' * len(kinds))})"]
        args: list[Any] = list(kinds)
        if not filters.get("reviewed"):
            if self.me:
                clauses.append("r.updated_by != ?")
                args.append(self.me)
            clauses.append(_QUEUED)
        if filters.get("monitor"):
            clauses.append("r.created_by = ?")
            args.append(filters["monitor"])
        field_filters(filters, clauses, args)
        return " AND ".join(clauses), args

    def ids(self, kind: str | None = None, **filters: Any) -> list[str]:
        """The whole queue under the filters, newest change first (read again)."""
        where, args = self._where(kind, filters)
        rows = self.conn.execute(
            f"SELECT r.id, r.created_by FROM record r WHERE {where} "  # noqa: S608
            "ORDER BY r.updated_at DESC, r.id DESC", args).fetchall()
        self._ids = [row[0] for row in rows]
        self.authors = sorted({row[1] for row in rows})
        self._key = (kind, tuple(sorted(filters.items())))
        return self._ids

    def count(self, kind: str | None = None, **filters: Any) -> int:
        return len(self.ids(kind, **filters))

    def list(self, kind: str | None = None, *, limit: int = 100, offset: int = 0,
             **filters: Any) -> list[Summary]:
        if self._key != (kind, tuple(sorted(filters.items()))):
            self.ids(kind, **filters)
        page = self._ids[offset:offset + limit]
        if not page:
            return []
        cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
        rows = {row[0]: Summary(*row) for row in self.conn.execute(
            f"SELECT {cols} FROM record r WHERE r.id IN "  # noqa: S608
            f"({', '.join('?' * len(page))})", page)}
        return [rows[i] for i in page if i in rows]

    def search(self, query: str, *, kind: str | None = None, limit: int = 50
               ) -> list[Summary]:
        return []  # the queue is walked with filters, not searched

    def fresh(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that arrived (or changed) since the queue was last seen."""
        wanted = list(ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(row[0] for row in self.conn.execute(
                "SELECT r.id FROM record r JOIN version hv ON hv.hash = r.head "  # noqa: S608
                f"WHERE hv.rowid > ? AND r.id IN ({', '.join('?' * len(chunk))})",
                (self.seen_mark, *chunk)))
        return found


def newest_version(conn: Connection) -> int:
    """The store's newest version (the mark "seen" moves to)."""
    return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM version").fetchone()[0])


def mark_seen(conn: Connection, mark: int) -> None:
    """The coordinator has seen the queue up to version ``mark``."""
    _set_setting(conn, SEEN_KEY, str(mark))


def history(conn: Connection, record_id: str) -> list[Review]:
    """Every review of a record, newest first."""
    return [Review(*row) for row in conn.execute(
        f"SELECT {', '.join(_REVIEW_COLUMNS)} FROM review WHERE record_id = ? "  # noqa: S608
        "ORDER BY created_at DESC, id DESC", (record_id,))]


def latest(conn: Connection, record_id: str) -> Review | None:
    found = history(conn, record_id)
    return found[0] if found else None


def answered(conn: Connection, review: Review) -> bool:
    """True when the record changed since the review (the monitor answered it)."""
    row = conn.execute("SELECT head FROM record WHERE id = ?", (review.record_id,)).fetchone()
    return bool(row and review.version_hash and row[0] != review.version_hash)


def review_many(conn: Connection, reviewer: str, record_ids: Iterable[str], status: str,
                *, note: str = "", confidence: str | None = None,
                duplicate_of: str | None = None) -> list[str]:
    """The same review for each record (a selection in the queue); "needs-info" must say
    what is needed, so its note is required."""
    ids = list(dict.fromkeys(record_ids))
    if status == "needs-info" and not note.strip():
        raise InvalidInput(field="note", reason="required")
    if duplicate_of is not None and duplicate_of in ids:
        raise InvalidInput(field="duplicate-of", reason="not one of the allowed values")
    return [add_review(conn, reviewer, record_id, status, note=note, confidence=confidence,
                       duplicate_of=duplicate_of) for record_id in ids]


# --- notes from coordinators (the monitor's side) -------------------------------------------
@dataclass(frozen=True)
class Note:
    review: Review
    title: str          # the record's title ("" when the record is not on this device)
    kind: str
    unread: bool
    answered: bool


def notes(conn: Connection) -> list[Note]:
    """Reviews received from coordinators with a note or a status to act on, newest
    first; unread: received after the list was last opened."""
    mark = int(_setting(conn, NOTES_READ_KEY) or 0)
    rows = conn.execute(
        f"SELECT {', '.join('v.' + c for c in _REVIEW_COLUMNS)}, v.rowid, "  # noqa: S608
        "coalesce(r.title, ''), coalesce(r.kind, ''), r.head FROM review v "
        "LEFT JOIN record r ON r.id = v.record_id WHERE v.origin != 'local' "
        "AND (v.note != '' OR v.status IN ('needs-info', 'duplicate', 'unsubstantiated')) "
        "ORDER BY v.created_at DESC, v.id DESC").fetchall()
    out = []
    for row in rows:
        review = Review(*row[:len(_REVIEW_COLUMNS)])
        rowid, title, kind, head = row[len(_REVIEW_COLUMNS):]
        out.append(Note(review, title, kind, rowid > mark,
                        bool(head and review.version_hash and head != review.version_hash)))
    return out


def unread_notes(conn: Connection) -> int:
    mark = int(_setting(conn, NOTES_READ_KEY) or 0)
    return int(conn.execute(
        "SELECT count(*) FROM review WHERE origin != 'local' AND rowid > ? AND (note != '' "
        "OR status IN ('needs-info', 'duplicate', 'unsubstantiated'))",
        (mark,)).fetchone()[0])


def mark_notes_read(conn: Connection) -> None:
    mark = conn.execute("SELECT coalesce(max(rowid), 0) FROM review").fetchone()[0]
    _set_setting(conn, NOTES_READ_KEY, str(mark))
