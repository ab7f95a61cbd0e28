"""Conflicting versions of a record, and their resolution.

Two devices that edit a record from the same version, offline, make two heads (leaves);
both are kept and the record shows in the ``conflict`` view. A coordinator resolves it
with a new version written on the record's head that also *merges* the other heads
(table ``version_merge``): its body is one head kept as it is, or fields taken from each.
Once that version has reached a device, no head is left over there either: the conflict
is gone on every device after sync.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import audit, model
from .errors import InvalidInput, NotFound
from .records import RecordStore, Version, transaction
from .store.db import Connection


@dataclass(frozen=True)
class Conflict:
    """A record with more than one head."""

    record_id: str
    kind: str
    title: str
    heads: list[Version]   # the record's head first, then the others, newest first


@dataclass(frozen=True)
class FieldDiff:
    field: str
    values: tuple[Any, ...]   # one per head, None when that head lacks the field
    differs: bool


def in_conflict(conn: Connection) -> list[str]:
    """Ids of the records (not identity sections) with more than one head."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT c.record_id FROM conflict c JOIN record r ON r.id = c.record_id "
        "WHERE r.kind != 'identity' ORDER BY c.record_id")]


def heads(conn: Connection, record_id: str) -> list[Version]:
    """The leaves of a record: its head first, then the others, newest first."""
    head = conn.execute("SELECT head FROM record WHERE id = ?", (record_id,)).fetchone()
    if head is None:
        raise NotFound(kind="record", id=str(record_id)[:60])
    rows = conn.execute(
        "SELECT hash, record_id, parent, kind, author, created_at, body FROM version v "
        "WHERE v.record_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM version c WHERE c.parent = v.hash) "
        "AND NOT EXISTS (SELECT 1 FROM version_merge m WHERE m.parent = v.hash) "
        "ORDER BY v.created_at DESC, v.hash DESC", (record_id,)).fetchall()
    found = [Version(*row[:6], body=json.loads(row[6])) for row in rows]
    return sorted(found, key=lambda v: v.hash != head[0])  # stable: newest first after


def conflict(conn: Connection, record_id: str) -> Conflict | None:
    """The conflict of one record (None when it has a single head)."""
    found = heads(conn, record_id)
    if len(found) < 2:
        return None
    kind, title = conn.execute("SELECT kind, title FROM record WHERE id = ?",
                               (record_id,)).fetchone()
    return Conflict(record_id, kind, title or "", found)


def conflicts(conn: Connection) -> list[Conflict]:
    """Every record in conflict."""
    return [c for rid in in_conflict(conn) if (c := conflict(conn, rid)) is not None]


def compare(bodies: list[Mapping[str, Any]]) -> list[FieldDiff]:
    """Field by field, in the order of the record's schema then by name."""
    names = {k for body in bodies for k in body}
    order = sorted(names)
    return [FieldDiff(k, tuple(b.get(k) for b in bodies),
                      any(b.get(k) != bodies[0].get(k) for b in bodies[1:])) for k in order]


def merged_body(versions: list[Version], choices: Mapping[str, int]) -> dict[str, Any]:
    """A body taking each field from the head ``choices[field]`` (an index in
    ``versions``); fields not chosen come from the first. A field missing from the chosen
    head is left out."""
    body = dict(versions[0].body)
    for field, index in choices.items():
        if not 0 <= index < len(versions):
            raise InvalidInput(field=field, reason="out of range", value=str(index))
        value = versions[index].body.get(field)
        if value is None:
            body.pop(field, None)
        else:
            body[field] = value
    return body


def resolve(conn: Connection, author: str, record_id: str,
            choices: Mapping[str, int] | None = None, keep: int | None = None) -> str:
    """Resolve a record's conflict: keep head ``keep`` as it is, or take each field from
    the head ``choices`` names. Writes one version on the record's head that merges every
    other head; returns its hash. `InvalidInput` when the record is not in conflict."""
    with transaction(conn):
        found = conflict(conn, record_id)
        if found is None:
            raise InvalidInput(field="id", reason="not in conflict", value=record_id[:60])
        versions = found.heads
        if keep is not None:
            if not 0 <= keep < len(versions):
                raise InvalidInput(field="keep", reason="out of range", value=str(keep))
            body = dict(versions[keep].body)
        else:
            body = merged_body(versions, choices or {})
        body = model.normalise(found.kind, body)
        model.check_consistency(found.kind, body)
        for required in model.SCHEMAS[found.kind].required:
            if required not in body:
                raise InvalidInput(field=required, reason="required")
        store = RecordStore(conn, author)
        digest = store._write_version(record_id, found.kind, versions[0].hash, body,
                                      merges=[v.hash for v in versions[1:]])
        audit.append(conn, author, "edit", record_id,
                     {"resolved": [v.hash for v in versions], "version": digest})
    return digest


__all__ = ["Conflict", "FieldDiff", "compare", "conflict", "conflicts", "heads",
           "in_conflict", "merged_body", "resolve"]
