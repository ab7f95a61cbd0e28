"""Sync flows in the core (no network, no envelope crypto): what goes out, what comes in.

Outgoing: every local write becomes an *item* (a plain JSON-able dict) queued in the
outbox. Versions and attachments are found by `enqueue_unsent` (called by the sync client
and the bundle export), so records.py needs no hook; reviews, translations and
assignments are queued in the same transaction that writes them.

Incoming: `apply_item` applies one item in one transaction, idempotently (an item already
applied is a no-op). A remote version whose parent is not the head is kept beside it: the
record is then in conflict (view ``conflict``), never silently overwritten. An item that
does not fit raises `ItemRejected` and changes nothing; the client quarantines it.

Who receives what (`audience`): coordinators receive everything; the author's device
receives reviews of its records (not its own items back); a translator receives only the
narrative fields of the records assigned to it, re-sealed by the coordinator, and never an
identity section.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import audit, model
from .errors import InvalidInput, ItemRejected, NotFound, UnknownTranslator
from .jsonutil import canonical, sha256_hex
from .membership import Membership, peers
from .records import search_text, transaction, version_hash
from .store.db import Connection
from .text import fold, uuid7

ITEM_TYPES = ("version", "attachment", "review", "translation", "assignment")
REVIEW_STATUSES = ("new", "needs-info", "verified", "unsubstantiated", "duplicate")
CONFIDENCES = ("low", "medium", "high")
TARGET_LANGS = ("fr", "en")
# Narrative fields a translator may see; never identity, witness code or places.
NARRATIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "incident": ("title", "description", "language"),
    "testimony": ("text", "summary", "language"),
}
PRIORITY = {"version": 0, "review": 0, "translation": 0, "assignment": 0, "attachment": 1,
            "media": 2}
_MAX_NOTE = 5000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@contextmanager
def atomic(conn: Connection) -> Iterator[Connection]:
    """All or nothing: a transaction of its own, or a savepoint inside the caller's (the
    sync client applies a page of items in one transaction, each item atomic)."""
    if not conn.in_transaction:
        with transaction(conn):
            yield conn
        return
    conn.execute("SAVEPOINT flows_item")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO flows_item")
        conn.execute("RELEASE flows_item")
        raise
    conn.execute("RELEASE flows_item")


def item_hash(item: Mapping[str, Any]) -> str:
    """Content hash of an item: the idempotency key when applying."""
    return sha256_hex(canonical(item))


# --- outgoing -----------------------------------------------------------------------------
def _enqueue(conn: Connection, kind: str, ref: str, record_id: str | None,
             size: int = 0) -> bool:
    cur = conn.execute(
        "INSERT OR IGNORE INTO outbox (kind, ref, record_id, priority, size, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", (kind, ref, record_id, PRIORITY[kind], size, audit.now()))
    return cur.rowcount > 0


def enqueue_unsent(conn: Connection) -> int:
    """Queue every local version and attachment not yet in the outbox; returns how many."""
    added = 0
    with transaction(conn):
        for digest, record_id in conn.execute(
                "SELECT v.hash, v.record_id FROM version v WHERE v.origin = 'local' AND "
                "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'version' AND "
                "o.ref = v.hash) ORDER BY v.rowid").fetchall():
            added += _enqueue(conn, "version", digest, record_id)
        for att_id, record_id, size in conn.execute(
                "SELECT a.id, a.record_id, a.stored_size FROM attachment a WHERE NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.kind = 'attachment' AND o.ref = a.id) AND "
                "NOT EXISTS (SELECT 1 FROM incoming_attachment i WHERE i.id = a.id) "
                "ORDER BY a.rowid").fetchall():
            added += _enqueue(conn, "attachment", att_id, record_id)
            added += _enqueue(conn, "media", att_id, record_id, size)
    return added


def version_item(conn: Connection, digest: str) -> dict[str, Any]:
    """The item for one stored version (plus the record's links and identity owner)."""
    row = conn.execute(
        "SELECT v.hash, v.record_id, v.parent, v.kind, v.author, v.created_at, v.body, "
        "r.owner FROM version v JOIN record r ON r.id = v.record_id WHERE v.hash = ?",
        (digest,)).fetchone()
    if row is None:
        raise NotFound(kind="version", id=digest[:60])
    links = [r[0] for r in conn.execute(
        "SELECT to_id FROM link WHERE from_id = ? AND role = 'incident' ORDER BY to_id",
        (row[1],))]
    return {"type": "version", "hash": row[0], "record_id": row[1], "parent": row[2],
            "kind": row[3], "author": row[4], "created_at": row[5],
            "body": json.loads(row[6]), "owner": row[7], "links": links}


_ATT_COLUMNS = ("id", "record_id", "kind", "mime", "name", "size", "stored_size",
                "sha256_original", "sha256_stored", "file_key", "has_original", "stripped",
                "thumbnail", "width", "height", "created_at", "created_by")


def attachment_item(conn: Connection, att_id: str) -> dict[str, Any]:
    """The item describing an attachment: metadata, thumbnail and the file key (the
    encrypted file itself travels separately, as uploaded bytes)."""
    row = conn.execute(f"SELECT {', '.join(_ATT_COLUMNS)} FROM attachment "  # noqa: S608
                       "WHERE id = ?", (att_id,)).fetchone()
    if row is None:
        raise NotFound(kind="attachment", id=att_id[:60])
    item = dict(zip(_ATT_COLUMNS, row, strict=True))
    item["file_key"] = base64.b64encode(bytes(item["file_key"])).decode()
    if item["thumbnail"] is not None:
        item["thumbnail"] = base64.b64encode(bytes(item["thumbnail"])).decode()
    item["stripped"] = json.loads(item["stripped"] or "{}")
    item["type"] = "attachment"
    return item


def _row_item(conn: Connection, table: str, columns: tuple[str, ...], key: str,
              kind: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?",  # noqa: S608
                       (key,)).fetchone()
    if row is None:
        raise NotFound(kind=kind, id=key[:60])
    return {"type": kind, **dict(zip(columns, row, strict=True))}


_REVIEW_COLUMNS = ("id", "record_id", "version_hash", "status", "duplicate_of", "confidence",
                   "note", "reviewer", "created_at")
_TRANSLATION_COLUMNS = ("id", "record_id", "field", "source_lang", "target_lang", "text",
                        "translator", "status", "created_at")
_ASSIGNMENT_COLUMNS = ("id", "record_id", "translator", "translator_device", "target_lang",
                       "assigned_by", "created_at")


def outbox_item(conn: Connection, kind: str, ref: str) -> dict[str, Any]:
    """The item an outbox row stands for (``media`` rows have no item: raw bytes)."""
    if kind == "version":
        return version_item(conn, ref)
    if kind == "attachment":
        return attachment_item(conn, ref)
    if kind == "review":
        return _row_item(conn, "review", _REVIEW_COLUMNS, ref, "review")
    if kind == "translation":
        return _row_item(conn, "translation", _TRANSLATION_COLUMNS, ref, "translation")
    if kind == "assignment":
        item = _row_item(conn, "assignment", _ASSIGNMENT_COLUMNS, ref, "assignment")
        item.update(narrative(conn, item["record_id"]))
        return item
    raise InvalidInput(field="kind", reason="not one of the allowed values", value=kind)


def narrative(conn: Connection, record_id: str) -> dict[str, Any]:
    """The narrative fields of a record's head (what a translator may see)."""
    row = conn.execute("SELECT r.kind, v.body FROM record r JOIN version v ON v.hash = r.head "
                       "WHERE r.id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=record_id[:60])
    kind, body = row[0], json.loads(row[1])
    if kind not in NARRATIVE_FIELDS:
        raise InvalidInput(field="id", reason="not one of the allowed values", value=kind)
    fields = {k: body[k] for k in NARRATIVE_FIELDS[kind] if k in body}
    return {"kind": kind, "fields": fields}


def audience(conn: Connection, member: Membership, item: Mapping[str, Any]) -> list[str]:
    """Device ids an item is sealed for (always the coordinators, never a translator
    unless it is the assignee of an assignment, never anyone for an identity but them)."""
    ids = {p.device_id for p in member.coordinators}  # trusted: invite or signed list
    if member.is_coordinator:
        ids.add(member.device_id)
    kind = item.get("type")
    # The author keeps its own items locally: sealing them to itself too would only make
    # the server send them back down a slow link.
    if kind == "review":
        origin = conn.execute("SELECT device_id FROM record_origin WHERE record_id = ?",
                              (item.get("record_id"),)).fetchone()
        if origin:
            ids.add(origin[0])
    elif kind == "assignment":
        ids.add(str(item["translator_device"]))
    elif kind == "coordinators":  # the signed list goes to every active device
        ids |= {p.device_id for p in peers(conn)}
    return sorted(ids)


# --- local writes that go out ---------------------------------------------------------------
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
    if len(note) > _MAX_NOTE or "\x00" in note:
        raise InvalidInput(field="note", reason="too long")
    if status == "duplicate":
        if not duplicate_of or not model.ID_RE.match(duplicate_of):
            raise InvalidInput(field="duplicate-of", reason="required")
    elif duplicate_of:
        raise InvalidInput(field="duplicate-of", reason="not one of the allowed values")
    with transaction(conn):
        head = _head(conn, record_id)
        if status == "duplicate" and _head(conn, duplicate_of or "") is None:
            raise NotFound(kind="record", id=str(duplicate_of)[:60])
        review_id = uuid7()
        conn.execute(
            "INSERT INTO review (id, record_id, version_hash, status, duplicate_of, "
            "confidence, note, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (review_id, record_id, head, status, duplicate_of, confidence, note.strip(),
             reviewer, audit.now()))
        conn.execute("UPDATE record SET status = ? WHERE id = ?", (status, record_id))
        _enqueue(conn, "review", review_id, record_id)
        audit.append(conn, reviewer, "review", record_id, {"status": status})
    return review_id


def _head(conn: Connection, record_id: str) -> str | None:
    row = conn.execute("SELECT head FROM record WHERE id = ? AND kind != 'identity'",
                       (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=str(record_id)[:60])
    return str(row[0])


def assign(conn: Connection, coordinator: str, record_id: str, translator: str,
           target_lang: str) -> str:
    """Assign a record's narrative to an enrolled translator (by pseudonym)."""
    if target_lang not in TARGET_LANGS:
        raise InvalidInput(field="to", reason="not one of the allowed values",
                           value=target_lang[:10])
    matches = [p for p in peers(conn, role="translator")
               if fold(p.pseudonym) == fold(translator)]
    if not matches:
        raise UnknownTranslator(pseudonym=translator[:60])
    device = matches[-1]
    with transaction(conn):
        _head(conn, record_id)
        narrative(conn, record_id)  # refuses kinds with no narrative (person, identity)
        assignment_id = uuid7()
        conn.execute(
            "INSERT INTO assignment (id, record_id, translator, translator_device, "
            "target_lang, fields, assigned_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (assignment_id, record_id, device.pseudonym, device.device_id, target_lang,
             json.dumps(list(narrative(conn, record_id)["fields"])), coordinator,
             audit.now()))
        _enqueue(conn, "assignment", assignment_id, record_id)
        audit.append(conn, coordinator, "assign", record_id,
                     {"translator": device.pseudonym, "to": target_lang})
    return assignment_id


def add_translation(conn: Connection, translator: str, record_id: str, field: str,
                    target_lang: str, text: str) -> str:
    """A translation of one field; the record must be one assigned to this device (or
    local, for a coordinator translating themselves)."""
    if target_lang not in TARGET_LANGS:
        raise InvalidInput(field="to", reason="not one of the allowed values",
                           value=target_lang[:10])
    text = text.strip()
    if not text:
        raise InvalidInput(field="text", reason="required")
    if len(text) > model.MAX_TEXT or "\x00" in text:
        raise InvalidInput(field="text", reason="too long")
    with transaction(conn):
        row = conn.execute("SELECT r.kind, v.body FROM record r JOIN version v ON "
                           "v.hash = r.head WHERE r.id = ?", (record_id,)).fetchone()
        if row is None or row[0] not in NARRATIVE_FIELDS:
            raise NotFound(kind="record", id=record_id[:60])
        body = json.loads(row[1])
        if field not in NARRATIVE_FIELDS[row[0]] or field == "language" or field not in body:
            raise InvalidInput(field="field", reason="not one of the allowed values",
                               value=field[:40])
        translation_id = uuid7()
        conn.execute(
            "INSERT INTO translation (id, record_id, field, source_lang, target_lang, text, "
            "translator, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'done', ?)",
            (translation_id, record_id, field, body.get("language"), target_lang, text,
             translator, audit.now()))
        _enqueue(conn, "translation", translation_id, record_id)
        audit.append(conn, translator, "translate", record_id,
                     {"field": field, "to": target_lang})
    return translation_id


# --- incoming -------------------------------------------------------------------------------
def _need(item: Mapping[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    value = item.get(key)
    if not isinstance(value, kind):
        raise ItemRejected(reason=f"bad {key}")
    return value


def _check_id(value: Any, key: str) -> str:
    if not isinstance(value, str) or not model.ID_RE.match(value):
        raise ItemRejected(reason=f"bad {key}")
    return value


def apply_item(conn: Connection, item: Mapping[str, Any], *, sender: str,
               project_id: str, actor: str) -> bool:
    """Apply one incoming item in one transaction; False when it was already applied.

    ``sender`` is the device id whose signature the envelope carried (already checked);
    ``actor`` is this device's pseudonym for the audit log.
    """
    if not isinstance(item, Mapping) or item.get("type") not in ITEM_TYPES:
        raise ItemRejected(reason="unknown item type")
    key = item_hash(item)
    with atomic(conn):
        if conn.execute("SELECT 1 FROM applied WHERE item_hash = ?", (key,)).fetchone():
            return False
        kind = item["type"]
        record_id = _check_id(item.get("record_id"), "record_id")
        if kind == "version":
            _apply_version(conn, item, sender, project_id, actor)
        elif kind == "attachment":
            _apply_attachment(conn, item, actor)
        elif kind == "review":
            _apply_review(conn, item, actor)
        elif kind == "translation":
            _apply_translation(conn, item, actor)
        else:
            _apply_assignment(conn, item, actor)
        conn.execute("INSERT INTO applied (item_hash, kind, record_id, applied_at) "
                     "VALUES (?, ?, ?, ?)", (key, kind, record_id, audit.now()))
    return True


def _apply_version(conn: Connection, item: Mapping[str, Any], sender: str,
                   project_id: str, actor: str) -> None:
    record_id = item["record_id"]
    kind = _need(item, "kind")
    if kind not in model.KINDS:
        raise ItemRejected(reason="bad kind")
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ItemRejected(reason="bad parent")
    author, created_at = _need(item, "author"), _need(item, "created_at")
    body = _need(item, "body", dict)
    digest = _need(item, "hash")
    if version_hash(record_id, kind, parent, author, created_at, body) != digest:
        raise ItemRejected(reason="version hash does not match its content")
    if conn.execute("SELECT 1 FROM version WHERE hash = ?", (digest,)).fetchone():
        return
    existing = conn.execute("SELECT kind FROM record WHERE id = ?", (record_id,)).fetchone()
    if existing and existing[0] != kind:
        raise ItemRejected(reason="kind differs from the record's")
    owner = item.get("owner")
    if owner is not None:
        owner = _check_id(owner, "owner")
        if not conn.execute("SELECT 1 FROM record WHERE id = ?", (owner,)).fetchone():
            owner = None  # the owner has not arrived (yet): keep the identity anyway
    title = model.title_of(kind, body)
    columns = (title, body.get("occurred_on"), body.get("region"), body.get("event_type"))
    if not existing:
        conn.execute(
            "INSERT INTO record (id, kind, head, created_at, updated_at, created_by, "
            "updated_by, title, occurred_on, region, event_type, owner) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, kind, digest, created_at, created_at, author, author, *columns, owner))
        conn.execute("INSERT OR IGNORE INTO record_origin (record_id, device_id, project_id) "
                     "VALUES (?, ?, ?)", (record_id, sender, project_id))
    conn.execute(
        "INSERT INTO version (hash, record_id, parent, kind, author, created_at, body, "
        "origin) VALUES (?, ?, ?, ?, ?, ?, ?, 'remote')",
        (digest, record_id, parent, kind, author, created_at,
         json.dumps(body, ensure_ascii=False, sort_keys=True)))
    if existing:
        _choose_head(conn, record_id)
    elif kind != "identity":
        rowid = conn.execute("SELECT rowid FROM record WHERE id = ?", (record_id,)).fetchone()[0]
        conn.execute("INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)",
                     (rowid, title, search_text(body)))
    for target in item.get("links") or []:
        if isinstance(target, str) and model.ID_RE.match(target):
            conn.execute("INSERT OR IGNORE INTO link (from_id, to_id, role) "
                         "VALUES (?, ?, 'incident')", (record_id, target))
    conflict = conn.execute("SELECT 1 FROM conflict WHERE record_id = ?",
                            (record_id,)).fetchone() is not None
    audit.append(conn, actor, "sync", record_id,
                 {"version": digest, "from": sender, **({"conflict": True} if conflict
                                                         else {})})


def _choose_head(conn: Connection, record_id: str) -> None:
    """Head = the newest leaf (no child), ties broken by hash: the same on every device.
    Other leaves stay, visible in the ``conflict`` view."""
    leaf = conn.execute(
        "SELECT v.hash, v.body, v.author, v.created_at FROM version v WHERE v.record_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM version c WHERE c.parent = v.hash) "
        "ORDER BY v.created_at DESC, v.hash DESC LIMIT 1", (record_id,)).fetchone()
    kind = conn.execute("SELECT kind FROM record WHERE id = ?", (record_id,)).fetchone()[0]
    body = json.loads(leaf[1])
    conn.execute(
        "UPDATE record SET head = ?, updated_at = ?, updated_by = ?, title = ?, "
        "occurred_on = ?, region = ?, event_type = ? WHERE id = ?",
        (leaf[0], leaf[3], leaf[2], model.title_of(kind, body), body.get("occurred_on"),
         body.get("region"), body.get("event_type"), record_id))
    if kind != "identity":
        rowid = conn.execute("SELECT rowid FROM record WHERE id = ?", (record_id,)).fetchone()[0]
        conn.execute("DELETE FROM record_fts WHERE rowid = ?", (rowid,))
        conn.execute("INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)",
                     (rowid, model.title_of(kind, body), search_text(body)))


def _apply_attachment(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """Remember an arriving attachment; its encrypted file is fetched later (media last)
    and `complete_attachment` then makes it a real attachment."""
    att_id = _check_id(item.get("id"), "id")
    for key in ("sha256_stored", "file_key", "mime", "name", "kind"):
        _need(item, key)
    _need(item, "stored_size", int)
    if not _HEX64.match(str(item.get("blob_sha256", ""))) or not isinstance(
            item.get("blob_size"), int):
        raise ItemRejected(reason="bad blob_sha256")
    conn.execute(
        "INSERT OR IGNORE INTO incoming_attachment (id, record_id, item, state, created_at) "
        "VALUES (?, ?, ?, 'waiting', ?)",
        (att_id, item["record_id"], json.dumps(dict(item), sort_keys=True), audit.now()))


def waiting_attachments(conn: Connection) -> list[dict[str, Any]]:
    """Arrived attachment descriptions whose encrypted file is not here yet."""
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT item FROM incoming_attachment WHERE state = 'waiting' ORDER BY created_at")]


def complete_attachment(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """The file of an arrived attachment is in place (verified): add the attachment row."""
    with atomic(conn):
        if not conn.execute("SELECT 1 FROM record WHERE id = ?",
                            (item["record_id"],)).fetchone():
            raise ItemRejected(reason="attachment of an unknown record")
        values = dict(item)
        values["file_key"] = base64.b64decode(item["file_key"])
        values["thumbnail"] = (base64.b64decode(item["thumbnail"]) if item.get("thumbnail")
                               else None)
        values["stripped"] = json.dumps(item.get("stripped") or {})
        # Originals kept with --keep-original stay on the author's device (only the
        # stored copy travels): here an original exists only when it is the stored copy.
        values["has_original"] = int(item.get("sha256_original") == item["sha256_stored"])
        conn.execute(
            f"INSERT OR IGNORE INTO attachment ({', '.join(_ATT_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(_ATT_COLUMNS))})",
            [values.get(c) for c in _ATT_COLUMNS])
        conn.execute("UPDATE incoming_attachment SET state = 'done' WHERE id = ?",
                     (item["id"],))
        audit.append(conn, actor, "attach", item["record_id"],
                     {"attachment": item["id"], "sha256": item["sha256_stored"]})


def _apply_review(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    review_id = _check_id(item.get("id"), "id")
    status = _need(item, "status")
    if status not in REVIEW_STATUSES:
        raise ItemRejected(reason="bad status")
    note = item.get("note") or ""
    if not isinstance(note, str) or len(note) > _MAX_NOTE:
        raise ItemRejected(reason="bad note")
    cur = conn.execute(
        "INSERT OR IGNORE INTO review (id, record_id, version_hash, status, duplicate_of, "
        "confidence, note, reviewer, created_at, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote')",
        (review_id, item["record_id"], item.get("version_hash"), status,
         item.get("duplicate_of"), item.get("confidence"), note,
         _need(item, "reviewer"), _need(item, "created_at")))
    if cur.rowcount:
        latest = conn.execute("SELECT status FROM review WHERE record_id = ? "
                              "ORDER BY created_at DESC, id DESC LIMIT 1",
                              (item["record_id"],)).fetchone()[0]
        conn.execute("UPDATE record SET status = ? WHERE id = ?", (latest, item["record_id"]))
        audit.append(conn, actor, "review", item["record_id"],
                     {"status": status, "from": item["reviewer"]})


def _apply_translation(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    translation_id = _check_id(item.get("id"), "id")
    target = _need(item, "target_lang")
    if target not in TARGET_LANGS:
        raise ItemRejected(reason="bad target_lang")
    status = item.get("status") or "done"
    if status not in ("draft", "done", "approved"):
        raise ItemRejected(reason="bad status")
    cur = conn.execute(
        "INSERT OR IGNORE INTO translation (id, record_id, field, source_lang, target_lang, "
        "text, translator, status, created_at, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote')",
        (translation_id, item["record_id"], _need(item, "field"), item.get("source_lang"),
         target, _need(item, "text"), _need(item, "translator"), status,
         _need(item, "created_at")))
    if cur.rowcount:
        audit.append(conn, actor, "translate", item["record_id"],
                     {"field": item["field"], "to": target, "from": item["translator"]})


def _apply_assignment(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """A translator's copy: the assignment and a narrative-only record to translate."""
    assignment_id = _check_id(item.get("id"), "id")
    record_id = item["record_id"]
    kind = _need(item, "kind")
    if kind not in NARRATIVE_FIELDS:
        raise ItemRejected(reason="bad kind")
    fields = _need(item, "fields", dict)
    body = {k: v for k, v in fields.items()
            if k in NARRATIVE_FIELDS[kind] and isinstance(v, str)}
    target = _need(item, "target_lang")
    if target not in TARGET_LANGS:
        raise ItemRejected(reason="bad target_lang")
    conn.execute(
        "INSERT OR IGNORE INTO assignment (id, record_id, translator, translator_device, "
        "target_lang, fields, assigned_by, created_at, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'remote')",
        (assignment_id, record_id, _need(item, "translator"),
         _need(item, "translator_device"), target, json.dumps(sorted(body)),
         _need(item, "assigned_by"), _need(item, "created_at")))
    at = audit.now()
    digest = sha256_hex(canonical({"assignment": assignment_id, "body": body}))
    existing = conn.execute("SELECT kind FROM record WHERE id = ?", (record_id,)).fetchone()
    if existing and existing[0] != kind:
        raise ItemRejected(reason="kind differs from the record's")
    if existing and conn.execute("SELECT 1 FROM version WHERE record_id = ? AND origin != "
                                 "'assigned'", (record_id,)).fetchone():
        # a coordinator's copy of its own (or a peer's) assignment: the full record is here
        audit.append(conn, actor, "assign", record_id, {"to": target})
        return
    title = model.title_of(kind, body) if kind == "incident" else ""
    if not existing:
        conn.execute(
            "INSERT INTO record (id, kind, head, created_at, updated_at, created_by, "
            "updated_by, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, kind, digest, at, at, item["assigned_by"], item["assigned_by"],
             title))
    if not conn.execute("SELECT 1 FROM version WHERE hash = ?", (digest,)).fetchone():
        parent = existing and conn.execute("SELECT head FROM record WHERE id = ?",
                                           (record_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO version (hash, record_id, parent, kind, author, created_at, body, "
            "origin) VALUES (?, ?, ?, ?, ?, ?, ?, 'assigned')",
            (digest, record_id, parent or None, kind, item["assigned_by"], at,
             json.dumps(body, ensure_ascii=False, sort_keys=True)))
        conn.execute("UPDATE record SET head = ? WHERE id = ?", (digest, record_id))
    audit.append(conn, actor, "assign", record_id, {"to": target})


# --- outbox states --------------------------------------------------------------------------
def pending(conn: Connection, *, text_only: bool = False) -> list[tuple[int, str, str, int]]:
    """(outbox id, kind, ref, size) of what still has to go, text first, media last."""
    sql = ("SELECT id, kind, ref, size FROM outbox WHERE state != 'sent' "  # noqa: S608
           + ("AND kind != 'media' " if text_only else "") + "ORDER BY priority, id")
    return [tuple(r) for r in conn.execute(sql).fetchall()]  # type: ignore[misc]  # noqa: S608


def mark_sent(conn: Connection, outbox_id: int, receipt: Mapping[str, Any] | None,
              actor: str) -> None:
    """An item the server confirmed: state sent, its receipt stored and audited."""
    with atomic(conn):
        row = conn.execute("SELECT kind, ref, record_id FROM outbox WHERE id = ?",
                           (outbox_id,)).fetchone()
        conn.execute("UPDATE outbox SET state = 'sent', reason = NULL, receipt = ?, "
                     "sent_at = ? WHERE id = ?",
                     (json.dumps(dict(receipt or {}), sort_keys=True), audit.now(),
                      outbox_id))
        if receipt:
            audit.append(conn, actor, "receipt", row[2],
                         {"kind": row[0], "ref": row[1], "receipt": dict(receipt)})


def mark_failed(conn: Connection, outbox_id: int, reason: str, *, final: bool = False) -> None:
    """Another failed attempt; ``final`` makes the state 'failed' (else it stays pending)."""
    with atomic(conn):
        conn.execute("UPDATE outbox SET attempts = attempts + 1, reason = ?, "
                     "state = CASE WHEN ? THEN 'failed' ELSE state END WHERE id = ?",
                     (reason[:300], int(final), outbox_id))


def record_state(conn: Connection, record_id: str) -> dict[str, Any]:
    """What `fieldapp status ID` says: the record's outbox items and its latest review."""
    items = [dict(zip(("kind", "ref", "state", "reason", "attempts", "receipt", "sent_at"),
                      r, strict=True))
             for r in conn.execute(
                 "SELECT kind, ref, state, reason, attempts, receipt, sent_at FROM outbox "
                 "WHERE record_id = ? ORDER BY id", (record_id,))]
    for item in items:
        item["receipt"] = json.loads(item["receipt"]) if item["receipt"] else None
    states = {i["state"] for i in items}
    overall = ("failed" if "failed" in states else "pending" if "pending" in states
               else "sent" if items else "local")
    review = conn.execute(
        "SELECT status, note, confidence, duplicate_of, reviewer, created_at FROM review "
        "WHERE record_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (record_id,)).fetchone()
    conflicts = [dict(zip(("parent", "version_a", "version_b", "author_a", "author_b"), r,
                          strict=True))
                 for r in conn.execute("SELECT parent, version_a, version_b, author_a, "
                                       "author_b FROM conflict WHERE record_id = ?",
                                       (record_id,))]
    return {"record_id": record_id, "state": overall, "items": items, "conflicts": conflicts,
            "review": dict(zip(("status", "note", "confidence", "duplicate_of", "reviewer",
                                "created_at"), review, strict=True)) if review else None}


def quarantine(conn: Connection, envelope: bytes, reason: str, *, source: str,
               seq: int | None = None, sender: str | None = None) -> None:
    """Keep a refused envelope aside (never applied)."""
    with atomic(conn):
        conn.execute("INSERT INTO quarantine (received_at, source, seq, sender, reason, "
                     "envelope) VALUES (?, ?, ?, ?, ?, ?)",
                     (audit.now(), source, seq, sender, reason[:300], envelope))
