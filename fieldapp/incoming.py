"""What arrives: applying one incoming item in one transaction, idempotently (an item
already applied is a no-op), and keeping refused envelopes aside (quarantine).

A remote version whose parent is not the head is kept beside it: the record is then in
conflict (view ``conflict``), never silently overwritten. An item that does not fit raises
`ItemRejected` and changes nothing; the client quarantines it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from . import audit, authorize, glossary, model
from .errors import ItemRejected
from .jsonutil import canonical, sha256_hex
from .membership import membership
from .memory import MAX_SHARED, MAX_SHARED_CHARS
from .outbox import ATTACHMENT_COLUMNS, author_device, enqueue, item_hash
from .records import atomic, index_text, reindex, version_hash
from .reviews import CONFIDENCES, MAX_NOTE, REVIEW_STATUSES
from .store.db import Connection
from .translations import TARGET_LANGS

ITEM_TYPES = ("version", "attachment", "review", "translation", "assignment", "glossary")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DEVICE = re.compile(r"^[0-9a-f]{16}$")
_TRANSLATABLE = {f for fields in model.NARRATIVE_FIELDS.values() for f in fields} - {"language"}
_MAX_BLOB = 4 << 30
_MAX_MERGES = 16  # heads one resolving version may merge
_MAX_THUMBNAIL = 512 << 10


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
               project_id: str, actor: str, seq: int | None = None,
               source: str = "server") -> bool:
    """Apply one incoming item in one transaction; False when it was already applied.

    ``sender`` is the device id whose signature the envelope carried (already checked);
    whether that sender may send this item is `authorize.check`'s answer (``seq``: the
    server's sequence number, None for a bundle). ``actor`` is this device's pseudonym for
    the audit log.
    """
    if not isinstance(item, Mapping) or item.get("type") not in ITEM_TYPES:
        raise ItemRejected(reason="unknown item type")
    key = item_hash(item)
    with atomic(conn):
        if conn.execute("SELECT 1 FROM applied WHERE item_hash = ?", (key,)).fetchone():
            return False
        authorize.check(conn, item, sender_id=sender, seq=seq if source == "server" else None)
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
        elif kind == "glossary":  # the project's, not a record's: record_id is its id
            glossary.apply_glossary(conn, item, actor)
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
    merges = item.get("merges") or []
    if not isinstance(merges, list) or len(merges) > _MAX_MERGES or not all(
            isinstance(m, str) and _HEX64.match(m) for m in merges):
        raise ItemRejected(reason="bad merges")
    if version_hash(record_id, kind, parent, author, created_at, body, merges) != digest:
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
    if merges:
        conn.executemany("INSERT OR IGNORE INTO version_merge (hash, parent) VALUES (?, ?)",
                         [(digest, m) for m in sorted(set(merges))])
    if existing:
        _choose_head(conn, record_id)
    elif kind != "identity":
        rowid = conn.execute("SELECT rowid FROM record WHERE id = ?", (record_id,)).fetchone()[0]
        conn.execute("INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)",
                     (rowid, title, index_text(conn, record_id, body)))
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
        "AND NOT EXISTS (SELECT 1 FROM version_merge m WHERE m.parent = v.hash) "
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
                     (rowid, model.title_of(kind, body), index_text(conn, record_id, body)))


def _apply_attachment(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """Remember an arriving attachment; its encrypted file is fetched later (media last)
    and `complete_attachment` then makes it a real attachment."""
    att_id = _check_id(item.get("id"), "id")
    for key in ("mime", "name", "kind"):
        if len(_need(item, key)) > 300:
            raise ItemRejected(reason=f"bad {key}")
    for key in ("sha256_stored", "blob_sha256"):
        if not _HEX64.match(_need(item, key)):
            raise ItemRejected(reason=f"bad {key}")
    if item.get("sha256_original") is not None and not _HEX64.match(
            str(item["sha256_original"])):
        raise ItemRejected(reason="bad sha256_original")
    for key in ("stored_size", "blob_size"):
        if isinstance(_need(item, key, int), bool) or not 0 <= item[key] <= _MAX_BLOB:
            raise ItemRejected(reason=f"bad {key}")
    for key in ("size", "width", "height"):
        value = item.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= _MAX_BLOB):
            raise ItemRejected(reason=f"bad {key}")
    if len(_b64(item.get("file_key"), "file_key")) != 32:
        raise ItemRejected(reason="bad file_key")
    if item.get("thumbnail") is not None and len(_b64(item["thumbnail"], "thumbnail")) > \
            _MAX_THUMBNAIL:
        raise ItemRejected(reason="bad thumbnail")
    if item.get("stripped") is not None and not isinstance(item["stripped"], dict):
        raise ItemRejected(reason="bad stripped")
    conn.execute(
        "INSERT OR IGNORE INTO incoming_attachment (id, record_id, item, state, created_at) "
        "VALUES (?, ?, ?, 'waiting', ?)",
        (att_id, item["record_id"], json.dumps(dict(item), sort_keys=True), audit.now()))


def _b64(value: Any, key: str) -> bytes:
    if not isinstance(value, str):
        raise ItemRejected(reason=f"bad {key}")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ItemRejected(reason=f"bad {key}") from None


def refuse_attachment(conn: Connection, item: Mapping[str, Any], reason: str, *,
                      actor: str) -> None:
    """An arrived attachment whose file cannot be made an attachment (damaged, a key that
    does not open it): no longer waited for, put aside with its reason."""
    with atomic(conn):
        conn.execute("DELETE FROM attachment WHERE id = ?", (item.get("id"),))
        conn.execute("DELETE FROM incoming_attachment WHERE id = ?", (item.get("id"),))
        quarantine(conn, json.dumps(dict(item), sort_keys=True).encode(), reason,
                   source="attachment", actor=actor)


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
            f"INSERT OR IGNORE INTO attachment ({', '.join(ATTACHMENT_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(ATTACHMENT_COLUMNS))})",
            [values.get(c) for c in ATTACHMENT_COLUMNS])
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
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise ItemRejected(reason="bad note")
    if item.get("confidence") is not None and item["confidence"] not in CONFIDENCES:
        raise ItemRejected(reason="bad confidence")
    duplicate_of = item.get("duplicate_of")
    if duplicate_of is not None:
        _check_id(duplicate_of, "duplicate_of")
    if (status == "duplicate") != (duplicate_of is not None):
        raise ItemRejected(reason="bad duplicate_of")
    if item.get("version_hash") is not None and not _HEX64.match(str(item["version_hash"])):
        raise ItemRejected(reason="bad version_hash")
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
    if not isinstance(status, str) or status not in ("draft", "done", "approved"):
        raise ItemRejected(reason="bad status")
    if _need(item, "field") not in _TRANSLATABLE:
        raise ItemRejected(reason="bad field")
    if len(_need(item, "text")) > model.MAX_TEXT:
        raise ItemRejected(reason="bad text")
    source = item.get("source_lang")
    if source is not None and (not isinstance(source, str) or len(source) > 10):
        raise ItemRejected(reason="bad source_lang")
    cur = conn.execute(
        "INSERT OR IGNORE INTO translation (id, record_id, field, source_lang, target_lang, "
        "text, translator, status, created_at, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote')",
        (translation_id, item["record_id"], _need(item, "field"), item.get("source_lang"),
         target, _need(item, "text"), _need(item, "translator"), status,
         _need(item, "created_at")))
    if not cur.rowcount:
        # one id, another text: it would say one thing to one device and another to the
        # next (the first kept, the second dropped unseen); put aside, so it shows
        held = conn.execute("SELECT record_id, field, source_lang, target_lang, text, "
                            "translator, status, created_at FROM translation WHERE id = ?",
                            (translation_id,)).fetchone()
        if held != (item["record_id"], item["field"], source, target, item["text"],
                    item["translator"], status, item["created_at"]):
            raise ItemRejected(reason="another translation has its id")
        return
    reindex(conn, item["record_id"])
    audit.append(conn, actor, "translate", item["record_id"],
                 {"field": item["field"], "to": target, "from": item["translator"]})
    _relay_to_author(conn, item, translation_id, target)


def _relay_to_author(conn: Connection, item: Mapping[str, Any], translation_id: str,
                     target: str) -> None:
    """On the coordinator's device that made the assignment, a translator's translation
    is queued again, sealed by this coordinator for the monitor who wrote the record: the
    translator never learns which monitor that is, and never writes to a monitor."""
    if membership(conn).role != "coordinator" or author_device(conn, item["record_id"]) \
            is None:
        return
    if not conn.execute("SELECT 1 FROM assignment WHERE record_id = ? AND target_lang = ? "
                        "AND origin = 'local'", (item["record_id"], target)).fetchone():
        return
    if not authorize.names_a_translator(conn, item["translator"]):
        return  # a coordinator's own translation went to the monitor from its device
    enqueue(conn, "translation", translation_id, item["record_id"])


def _apply_assignment(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """A translator's copy: the assignment and a narrative-only record to translate."""
    assignment_id = _check_id(item.get("id"), "id")
    record_id = item["record_id"]
    kind = _need(item, "kind")
    if kind not in model.NARRATIVE_FIELDS:
        raise ItemRejected(reason="bad kind")
    fields = _need(item, "fields", dict)
    body = {k: v for k, v in fields.items()
            if k in model.NARRATIVE_FIELDS[kind] and isinstance(v, str)}
    target = _need(item, "target_lang")
    if target not in TARGET_LANGS:
        raise ItemRejected(reason="bad target_lang")
    if not _DEVICE.match(_need(item, "translator_device")):
        raise ItemRejected(reason="bad translator_device")
    author = item.get("author_device")
    if author is not None and not (isinstance(author, str) and _DEVICE.match(author)):
        raise ItemRejected(reason="bad author_device")
    conn.execute(
        "INSERT OR IGNORE INTO assignment (id, record_id, translator, translator_device, "
        "target_lang, fields, assigned_by, created_at, author_device, memory, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote')",
        (assignment_id, record_id, _need(item, "translator"),
         _need(item, "translator_device"), target, json.dumps(sorted(body)),
         _need(item, "assigned_by"), _need(item, "created_at"), author,
         json.dumps(_shared_memory(item.get("memory", [])), ensure_ascii=False)))
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


def _shared_memory(value: Any) -> list[list[str]]:
    """The sentence pairs an assignment carries: a list of [source, translation]."""
    if not isinstance(value, list) or len(value) > MAX_SHARED:
        raise ItemRejected(reason="bad memory")
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(x, str) and 0 < len(x) <= MAX_SHARED_CHARS
                        for x in pair)):
            raise ItemRejected(reason="bad memory")
    return value


def quarantine(conn: Connection, envelope: bytes, reason: str, *, source: str,
               seq: int | None = None, sender: str | None = None, actor: str = "") -> None:
    """Keep a refused envelope aside (never applied), and say so in the audit log (the
    reason and the sender's device id; nothing of the content)."""
    with atomic(conn):
        conn.execute("INSERT INTO quarantine (received_at, source, seq, sender, reason, "
                     "envelope) VALUES (?, ?, ?, ?, ?, ?)",
                     (audit.now(), source, seq, sender, reason[:300], envelope))
        audit.append(conn, actor, "quarantine", None,
                     {"reason": reason[:120], "sender": sender, "source": source})


def quarantined(conn: Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The latest items put aside: when, from where, from whom, and why."""
    return [dict(zip(("id", "received_at", "source", "seq", "sender", "reason"), r,
                     strict=True))
            for r in conn.execute("SELECT id, received_at, source, seq, sender, reason "
                                  "FROM quarantine ORDER BY id DESC LIMIT ?", (limit,))]
