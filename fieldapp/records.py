"""Records: add, edit (a new immutable version), read, list, history and search.

Every write is one transaction: the version, the record's head, links, search index,
user places and the audit entry commit together or not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from . import audit, model
from .errors import DiskFull, InvalidInput, NotFound
from .jsonutil import canonical, sha256_hex
from .store.db import Connection, DatabaseError, is_disk_full
from .text import fold, uuid7

SEARCH_FIELDS = ("title", "description", "locality", "commune", "cercle", "region",
                 "sub_event_type", "perpetrators_detail", "text", "summary", "witness_code",
                 "interview_place", "community", "code", "notes", "source")
SEARCH_WINDOW = 500
LIST_COLUMNS = ("id", "kind", "title", "occurred_on", "region", "event_type", "status",
                "updated_at", "created_by")


@dataclass
class Summary:
    id: str
    kind: str
    title: str
    occurred_on: str | None
    region: str | None
    event_type: str | None
    status: str
    updated_at: str
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Version:
    hash: str
    record_id: str
    parent: str | None
    kind: str
    author: str
    created_at: str
    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Record:
    id: str
    kind: str
    head: str
    status: str
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str
    body: dict[str, Any]
    incident_ids: list[str] = field(default_factory=list)
    identity: dict[str, Any] | None = None
    identity_id: str | None = None

    @property
    def title(self) -> str:
        return model.title_of(self.kind, self.body)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE … COMMIT; rollback on any error; a full disk becomes `DiskFull`."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except DatabaseError:
                pass
        if isinstance(exc, DatabaseError) and is_disk_full(exc):
            raise DiskFull() from exc
        raise


@contextmanager
def atomic(conn: Connection) -> Iterator[Connection]:
    """All or nothing: a transaction of its own, or a savepoint inside the caller's (the
    sync client applies a page of items in one transaction, each item atomic)."""
    if not conn.in_transaction:
        with transaction(conn):
            yield conn
        return
    conn.execute("SAVEPOINT atomic_item")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO atomic_item")
        conn.execute("RELEASE atomic_item")
        raise
    conn.execute("RELEASE atomic_item")


def head_version(conn: Connection, record_id: str) -> str | None:
    """The head version of a record (not an identity section), or `NotFound`."""
    row = conn.execute("SELECT head FROM record WHERE id = ? AND kind != 'identity'",
                       (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=str(record_id)[:60])
    return str(row[0])


def narrative(conn: Connection, record_id: str) -> dict[str, Any]:
    """The narrative fields of a record's head (what a translator may see)."""
    row = conn.execute("SELECT r.kind, v.body FROM record r JOIN version v ON v.hash = r.head "
                       "WHERE r.id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=record_id[:60])
    kind, body = row[0], json.loads(row[1])
    if kind not in model.NARRATIVE_FIELDS:
        raise InvalidInput(field="id", reason="not one of the allowed values", value=kind)
    fields = {k: body[k] for k in model.NARRATIVE_FIELDS[kind] if k in body}
    return {"kind": kind, "fields": fields}


def version_hash(record_id: str, kind: str, parent: str | None, author: str,
                 created_at: str, body: Mapping[str, Any],
                 merges: Iterable[str] = ()) -> str:
    """A version's content address; ``merges`` (the other heads a resolving version
    merges) counts only when there are some, so older versions keep their hash."""
    content: dict[str, Any] = {"record": record_id, "kind": kind, "parent": parent,
                               "author": author, "created_at": created_at, "body": body}
    if merges:
        content["merges"] = sorted(set(merges))
    return sha256_hex(canonical(content))


def search_text(body: Mapping[str, Any]) -> str:
    parts = [str(body[k]) for k in SEARCH_FIELDS if isinstance(body.get(k), str)]
    parts.extend(str(t) for t in body.get("tags", []) or [])
    return "\n".join(parts)


def index_text(conn: Connection, record_id: str, body: Mapping[str, Any]) -> str:
    """What full-text search finds a record by: its own words and its translations' (so
    "displaced" finds a testimony written « déplacés » once translated)."""
    parts = [search_text(body)]
    parts.extend(r[0] for r in conn.execute(
        "SELECT text FROM translation WHERE record_id = ? AND status != 'draft'",
        (record_id,)))
    return "\n".join(parts)


def reindex(conn: Connection, record_id: str) -> None:
    """Write a record's search entry again (after a translation of it arrived)."""
    row = conn.execute("SELECT r.rowid, r.kind, r.title, v.body FROM record r JOIN version v "
                       "ON v.hash = r.head WHERE r.id = ?", (record_id,)).fetchone()
    if row is None or row[1] == "identity":
        return
    conn.execute("DELETE FROM record_fts WHERE rowid = ?", (row[0],))
    conn.execute("INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)",
                 (row[0], row[2], index_text(conn, record_id, json.loads(row[3]))))


_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def fts_query(query: str, *, prefix: bool = True) -> str | None:
    """User words → an FTS5 query: every word must match, each as a prefix (or, with
    ``prefix=False``, as a whole word)."""
    tokens = _TOKEN_RE.findall(query)
    if not tokens:
        return None
    star = "*" if prefix else ""
    return " ".join(f'"{t}"{star}' for t in tokens[:16])


def field_filters(filters: Mapping[str, Any], clauses: list[str], args: list[Any]) -> None:
    """The list filters on the record row's columns (region, event type, review status,
    dates), added to ``clauses``/``args`` for a query over ``record r``."""
    for column in ("region", "event_type", "status"):
        if filters.get(column):
            clauses.append(f"r.{column} = ?")
            args.append(filters[column])
    if filters.get("date_from"):
        clauses.append("r.occurred_on >= ?")
        args.append(filters["date_from"])
    if filters.get("date_to"):
        clauses.append("r.occurred_on <= ?")
        args.append(filters["date_to"] + "\uffff")


class RecordStore:
    """The records of one unlocked vault, written as ``author``."""

    def __init__(self, conn: Connection, author: str) -> None:
        self.conn = conn
        self.author = author

    # --- writing ----------------------------------------------------------------------
    def add(self, kind: str, data: Mapping[str, Any]) -> str:
        """Validate and store a new record; returns its id."""
        with transaction(self.conn):
            return self._add(kind, data)

    def add_many(self, kind: str, items: Iterable[Mapping[str, Any]]) -> list[str]:
        """Several records in one transaction (imports, benchmarks)."""
        with transaction(self.conn):
            return [self._add(kind, item) for item in items]

    def _add(self, kind: str, data: Mapping[str, Any]) -> str:
        if kind not in ("incident", "testimony", "person"):
            raise InvalidInput(field="kind", reason="not one of the allowed values")
        body = model.validate(kind, dict(data))
        incident_ids = body.pop("incident_ids", None)
        identity = body.pop("identity", None)
        body = model.normalise(kind, body)
        model.check_consistency(kind, body)
        if identity is not None:
            identity = model.validate("identity", identity)
        if incident_ids is not None:
            incident_ids = self._check_links(incident_ids)
        record_id = uuid7()
        self._write_version(record_id, kind, None, body, new=True)
        if incident_ids:
            self._set_links(record_id, incident_ids)
        if identity:
            self._write_identity(record_id, None, identity)
        audit.append(self.conn, self.author, "create", record_id, {"kind": kind})
        return record_id

    def edit(self, record_id: str, patch: Mapping[str, Any]) -> str:
        """A new version merging ``patch`` (null removes a field); returns its hash."""
        with transaction(self.conn):
            current = self.get(record_id)
            if current.kind == "identity":
                raise InvalidInput(field="id", reason="edit the record it belongs to")
            changes = model.validate(current.kind, dict(patch), partial=True)
            incident_ids = changes.pop("incident_ids", None)
            identity = changes.pop("identity", None)
            body = dict(current.body)
            for key, value in changes.items():
                if value is None:
                    body.pop(key, None)
                else:
                    body[key] = value
            if "occurred_on" in changes and "date_precision" not in changes:
                body.pop("date_precision", None)
            for required in model.SCHEMAS[current.kind].required:
                if required not in body:
                    raise InvalidInput(field=required, reason="required")
            body = model.normalise(current.kind, body)
            model.check_consistency(current.kind, body)
            new_hash = current.head
            if body != current.body:
                new_hash = self._write_version(record_id, current.kind, current.head, body)
            if incident_ids is not None:
                self.conn.execute("DELETE FROM link WHERE from_id = ? AND role = 'incident'",
                                  (record_id,))
                self._set_links(record_id, self._check_links(incident_ids))
            if identity is not None:
                identity = model.validate("identity", identity, partial=True)
                merged = {**(current.identity or {}), **identity}
                merged = {k: v for k, v in merged.items() if v is not None}
                self._write_identity(record_id, current.identity_id, merged)
            audit.append(self.conn, self.author, "edit", record_id,
                         {"parent": current.head, "version": new_hash})
            return new_hash

    def _check_links(self, ids: Any) -> list[str]:
        if not isinstance(ids, list):
            raise InvalidInput(field="incident_ids", reason="list of record ids expected")
        for value in ids:
            if not isinstance(value, str) or not model.ID_RE.match(value):
                raise InvalidInput(field="incident_ids", reason="list of record ids expected")
            row = self.conn.execute("SELECT kind FROM record WHERE id = ?", (value,)).fetchone()
            if row is None or row[0] != "incident":
                raise InvalidInput(field="incident_ids", reason="no such incident",
                                   value=value)
        return sorted(set(ids))

    def _set_links(self, record_id: str, ids: list[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO link (from_id, to_id, role) VALUES (?, ?, 'incident')",
            [(record_id, i) for i in ids])

    def _write_identity(self, owner: str, identity_id: str | None,
                        body: dict[str, Any]) -> None:
        if identity_id is None:
            identity_id = uuid7()
            self._write_version(identity_id, "identity", None, body, new=True, owner=owner)
        else:
            head = self.conn.execute("SELECT head FROM record WHERE id = ?",
                                     (identity_id,)).fetchone()[0]
            self._write_version(identity_id, "identity", head, body)

    def _write_version(self, record_id: str, kind: str, parent: str | None,
                       body: dict[str, Any], *, new: bool = False,
                       owner: str | None = None, origin: str = "local",
                       merges: Iterable[str] = ()) -> str:
        at = audit.now()
        merges = sorted(set(merges))
        digest = version_hash(record_id, kind, parent, self.author, at, body, merges)
        columns = (model.title_of(kind, body), body.get("occurred_on"), body.get("region"),
                   body.get("event_type"))
        if new:
            self.conn.execute(
                "INSERT INTO record (id, kind, head, created_at, updated_at, created_by, "
                "updated_by, title, occurred_on, region, event_type, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record_id, kind, digest, at, at, self.author, self.author, *columns, owner))
        else:
            self.conn.execute(
                "UPDATE record SET head = ?, updated_at = ?, updated_by = ?, title = ?, "
                "occurred_on = ?, region = ?, event_type = ? WHERE id = ?",
                (digest, at, self.author, *columns, record_id))
        self.conn.execute(
            "INSERT INTO version (hash, record_id, parent, kind, author, created_at, body, "
            "origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (digest, record_id, parent, kind, self.author, at,
             json.dumps(body, ensure_ascii=False, sort_keys=True), origin))
        if merges:  # a resolution of a conflict (migration 7)
            self.conn.executemany("INSERT INTO version_merge (hash, parent) VALUES (?, ?)",
                                  [(digest, other) for other in merges])
        if kind != "identity":
            rowid = self.conn.execute("SELECT rowid FROM record WHERE id = ?",
                                      (record_id,)).fetchone()[0]
            self.conn.execute("DELETE FROM record_fts WHERE rowid = ?", (rowid,))
            self.conn.execute("INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)",
                              (rowid, columns[0], index_text(self.conn, record_id, body)))
        if kind == "incident" and body.get("locality"):
            self._remember_place(body)
        return digest

    def _remember_place(self, body: Mapping[str, Any]) -> None:
        name = str(body["locality"])
        self.conn.execute(
            "INSERT INTO place (folded, name, region, cercle, latitude, longitude) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (folded) DO UPDATE SET uses = uses + 1",
            (fold(name), name, body.get("region"), body.get("cercle"),
             body.get("latitude"), body.get("longitude")))

    # --- reading ----------------------------------------------------------------------
    def get(self, record_id: str) -> Record:
        row = self.conn.execute(
            "SELECT r.id, r.kind, r.head, r.status, r.created_at, r.updated_at, "
            "r.created_by, r.updated_by, v.body FROM record r JOIN version v "
            "ON v.hash = r.head WHERE r.id = ?", (record_id,)).fetchone()
        if row is None:
            raise NotFound(kind="record", id=str(record_id)[:60])
        record = Record(*row[:8], body=json.loads(row[8]))
        record.incident_ids = [r[0] for r in self.conn.execute(
            "SELECT to_id FROM link WHERE from_id = ? AND role = 'incident' ORDER BY to_id",
            (record_id,))]
        ident = self.conn.execute(
            "SELECT r.id, v.body FROM record r JOIN version v ON v.hash = r.head "
            "WHERE r.owner = ? AND r.kind = 'identity'", (record_id,)).fetchone()
        if ident:
            record.identity_id, record.identity = ident[0], json.loads(ident[1])
        return record

    def exists(self, record_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM record WHERE id = ?",
                                 (record_id,)).fetchone() is not None

    def _where(self, kind: str | None, filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        clauses, args = ["r.kind != 'identity'"], []
        if kind:
            clauses.append("r.kind = ?")
            args.append(kind)
        field_filters(filters, clauses, args)
        if filters.get("sent_from_here"):
            # What this device sends (the outbox; the value is this device's pseudonym):
            # records written or last changed here, or with an item queued for them or
            # their identity section (versions are queued at the latest by the next sync,
            # before it receives anything; a review), never those only received. Indexes
            # only: a version's origin would mean reading every version's body.
            clauses.append("(r.created_by = ? OR r.updated_by = ? OR EXISTS (SELECT 1 FROM "
                           "outbox lo WHERE lo.record_id = r.id) OR EXISTS (SELECT 1 FROM "
                           "record li JOIN outbox lio ON lio.record_id = li.id WHERE "
                           "li.owner = r.id))")
            args += [filters["sent_from_here"]] * 2
        if filters.get("perpetrator"):
            # One of the incident's alleged perpetrators (a list in the head version).
            clauses.append("EXISTS (SELECT 1 FROM version hv, json_each(hv.body, "
                           "'$.perpetrators') p WHERE hv.hash = r.head AND p.value = ?)")
            args.append(filters["perpetrator"])
        return " AND ".join(clauses), args

    def list(self, kind: str | None = None, *, limit: int = 100, offset: int = 0,
             **filters: Any) -> list[Summary]:
        """Newest first (by date of the event, then creation); filters: region,
        event_type, status, perpetrator, date_from, date_to."""
        where, args = self._where(kind, filters)
        cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
        rows = self.conn.execute(
            f"SELECT {cols} FROM record r WHERE {where} "  # noqa: S608 - fixed columns
            "ORDER BY r.occurred_on DESC, r.id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset)).fetchall()
        return [Summary(*row) for row in rows]

    def heads(self, kind: str, **filters: Any) -> Iterator[tuple[Summary, dict[str, Any]]]:
        """Every record of ``kind`` matching the list filters, with its head body, oldest
        event first (reports, dashboard and map read whole selections this way)."""
        where, args = self._where(kind, filters)
        cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
        rows = self.conn.execute(
            f"SELECT {cols}, v.body FROM record r JOIN version v ON v.hash = r.head "  # noqa: S608
            f"WHERE {where} ORDER BY r.occurred_on, r.created_at, r.id", args)
        for row in rows:
            yield Summary(*row[:-1]), json.loads(row[-1])

    def matching(self, ids: Iterable[str], **filters: Any) -> set[str]:
        """Those of ``ids`` that pass the list filters (applied to search results)."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        where, args = self._where(None, filters)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(row[0] for row in self.conn.execute(
                f"SELECT r.id FROM record r WHERE {where} AND r.id IN ({marks})",  # noqa: S608
                (*args, *chunk)))
        return found

    def count(self, kind: str | None = None, **filters: Any) -> int:
        where, args = self._where(kind, filters)
        return int(self.conn.execute(
            f"SELECT count(*) FROM record r WHERE {where}", args).fetchone()[0])  # noqa: S608

    def history(self, record_id: str) -> list[Version]:
        """Every version, oldest first."""
        self.get(record_id)
        rows = self.conn.execute(
            "SELECT hash, record_id, parent, kind, author, created_at, body FROM version "
            "WHERE record_id = ? ORDER BY created_at, rowid", (record_id,)).fetchall()
        return [Version(*row[:6], body=json.loads(row[6])) for row in rows]

    def search(self, query: str, *, kind: str | None = None, limit: int = 50) -> list[Summary]:
        """Records matching every word of ``query`` (accent- and case-insensitive).

        Records where the words are whole words come first ("mine" before "minerai"),
        then, when there are fewer than ``limit`` of those, records where they begin a
        word. Within each, ranked by relevance (bm25) among the ``SEARCH_WINDOW`` most
        recently written matches: exact ranking for specific queries, and a bounded cost
        for common words in a large store. Whole words are also the cheap case: a prefix
        makes SQLite merge the entries of every word it begins, twice (match and bm25)."""
        whole = fts_query(query, prefix=False)
        if whole is None:
            return []
        found = self._ranked(whole, kind, limit)
        if len(found) < limit:
            seen = {s.id for s in found}
            more = self._ranked(str(fts_query(query)), kind, limit)
            found += [s for s in more if s.id not in seen][:limit - len(found)]
        return found

    def _ranked(self, match: str, kind: str | None, limit: int) -> list[Summary]:
        cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
        kind_clause = "WHERE r.kind = ?" if kind else ""
        args: list[Any] = [match, SEARCH_WINDOW, *([kind] if kind else []), limit]
        rows = self.conn.execute(
            f"SELECT {cols} FROM (SELECT rowid AS hit, rank AS score FROM record_fts "  # noqa: S608
            "WHERE record_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m "
            f"JOIN record r ON r.rowid = m.hit {kind_clause} ORDER BY m.score LIMIT ?",
            args).fetchall()
        return [Summary(*row) for row in rows]

    def places(self, prefix: str, limit: int = 20) -> list[dict[str, Any]]:
        """Places typed by users whose name starts with ``prefix`` (folded)."""
        key = fold(prefix)
        rows = self.conn.execute(
            "SELECT name, region, cercle, latitude, longitude, uses FROM place "
            "WHERE folded >= ? AND folded < ? ORDER BY uses DESC, name LIMIT ?",
            (key, key + "\uffff", limit)).fetchall()
        keys = ("name", "region", "cercle", "latitude", "longitude", "uses")
        return [dict(zip(keys, r, strict=True)) for r in rows]
