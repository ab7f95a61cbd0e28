"""The outbox: what this device sends, and how each item stands (pending, sent, failed).

Every local write becomes an *item* (a plain JSON-able dict) queued here. Versions and
attachments are found by `enqueue_unsent` (called by the sync client and the bundle
export), so records.py needs no hook; reviews, translations and assignments are queued in
the same transaction that writes them (fieldapp.reviews, fieldapp.translations,
fieldapp.glossary).

Who receives what (`audience`): coordinators receive everything; the author's device
receives reviews of its records (not its own items back); a translator receives only the
narrative fields assigned to it, re-sealed by the coordinator, and never an identity
section; translators and coordinators receive the glossary.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from . import audit
from .errors import InvalidInput, NotFound
from .jsonutil import canonical, sha256_hex
from .membership import Membership, peers
from .records import atomic, narrative, transaction
from .store.db import Connection

# An assignment goes out twice: to its translator (with the project memory's pairs for its
# text) and, as outbox ref "<id>/author", to the monitor who wrote the record (without).
AUTHOR_COPY = "/author"
PRIORITY = {"version": 0, "review": 0, "translation": 0, "assignment": 0, "glossary": 0,
            "attachment": 1, "media": 2}


def item_hash(item: Mapping[str, Any]) -> str:
    """Content hash of an item: the idempotency key when applying."""
    return sha256_hex(canonical(item))


def enqueue(conn: Connection, kind: str, ref: str, record_id: str | None,
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
            added += enqueue(conn, "version", digest, record_id)
        for att_id, record_id, size in conn.execute(
                "SELECT a.id, a.record_id, a.stored_size FROM attachment a WHERE NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.kind = 'attachment' AND o.ref = a.id) AND "
                "NOT EXISTS (SELECT 1 FROM incoming_attachment i WHERE i.id = a.id) "
                "ORDER BY a.rowid").fetchall():
            added += enqueue(conn, "attachment", att_id, record_id)
            added += enqueue(conn, "media", att_id, record_id, size)
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
    merges = [r[0] for r in conn.execute(
        "SELECT parent FROM version_merge WHERE hash = ? ORDER BY parent", (row[0],))]
    return {"type": "version", "hash": row[0], "record_id": row[1], "parent": row[2],
            "kind": row[3], "author": row[4], "created_at": row[5],
            "body": json.loads(row[6]), "owner": row[7], "links": links,
            **({"merges": merges} if merges else {})}


ATTACHMENT_COLUMNS = ("id", "record_id", "kind", "mime", "name", "size", "stored_size",
                "sha256_original", "sha256_stored", "file_key", "has_original", "stripped",
                "thumbnail", "width", "height", "created_at", "created_by")


def attachment_item(conn: Connection, att_id: str) -> dict[str, Any]:
    """The item describing an attachment: metadata, thumbnail and the file key (the
    encrypted file itself travels separately, as uploaded bytes)."""
    row = conn.execute(f"SELECT {', '.join(ATTACHMENT_COLUMNS)} FROM attachment "  # noqa: S608
                       "WHERE id = ?", (att_id,)).fetchone()
    if row is None:
        raise NotFound(kind="attachment", id=att_id[:60])
    item = dict(zip(ATTACHMENT_COLUMNS, row, strict=True))
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
        ref, copy = (ref.removesuffix(AUTHOR_COPY), "author") if ref.endswith(AUTHOR_COPY) \
            else (ref, None)
        item = _row_item(conn, "assignment", _ASSIGNMENT_COLUMNS, ref, "assignment")
        # only the fields assigned (and the source language) go to the translator
        chosen = json.loads(conn.execute("SELECT fields FROM assignment WHERE id = ?",
                                         (ref,)).fetchone()[0] or "[]")
        told = narrative(conn, item["record_id"])
        told["fields"] = {k: v for k, v in told["fields"].items()
                          if k in chosen or k == "language"}
        item.update(told)
        if copy is not None:  # the record's monitor: told who translates, nothing more
            item["copy"], item["memory"] = copy, []
        else:
            item["memory"] = json.loads(conn.execute("SELECT memory FROM assignment WHERE "
                                                     "id = ?", (ref,)).fetchone()[0] or "[]")
        return item
    if kind == "glossary":
        from .glossary import glossary_item

        return glossary_item(conn, ref)
    raise InvalidInput(field="kind", reason="not one of the allowed values", value=kind)



def audience(conn: Connection, member: Membership, item: Mapping[str, Any]) -> list[str]:
    """Device ids an item is sealed for (always the coordinators, never a translator
    unless it is the assignee of an assignment, never anyone for an identity but them;
    an assignment's author copy and a translation also for the monitor who wrote the
    record)."""
    ids = {p.device_id for p in member.coordinators}  # trusted: the invite, then the roster
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
    elif kind == "assignment" and item.get("copy") == "author":
        # the record's monitor learns who translates it (the device kept at assigning)
        author = conn.execute("SELECT author_device FROM assignment WHERE id = ?",
                              (item.get("id"),)).fetchone()
        if author and author[0]:
            ids.add(str(author[0]))
    elif kind == "assignment":
        ids.add(str(item["translator_device"]))
    elif kind == "translation" and member.is_coordinator:
        # and gets the translation back, beside its own text, from a coordinator (its
        # own, or a translator's relayed by the coordinator who assigned it): a
        # translator never learns which monitor wrote what it translates
        author = author_device(conn, item.get("record_id"))
        if author is not None:
            ids.add(author)
    elif kind == "glossary":  # every translator writes the terms the same way
        ids.update(p.device_id for p in peers(conn, role="translator"))
    return sorted(ids)


def author_device(conn: Connection, record_id: Any) -> str | None:
    """The monitor's device that wrote a record, as a coordinator's store knows it
    (record_origin; None elsewhere, or when a coordinator wrote it)."""
    row = conn.execute("SELECT o.device_id FROM record_origin o JOIN peer_device p ON "
                       "p.device_id = o.device_id WHERE o.record_id = ? AND "
                       "p.role = 'monitor'", (record_id,)).fetchone()
    return str(row[0]) if row else None


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


# Reasons that say the link, not the record, is the problem: the item simply waits.
LINK_REASONS = ("ServerUnreachable", "data budget reached", "description not sent yet",
                "no answer for this item")


def _is_link_reason(reason: str | None) -> bool:
    return bool(reason) and str(reason).startswith(LINK_REASONS)


def record_progress(conn: Connection, record_id: str) -> dict[str, Any]:
    """How far a record got, in the user's terms: its text (versions, its identity
    section, attachment descriptions) and its files, counting what is not even queued
    yet (an edit or a photo added since the last sync).

    ``state``: ``sent`` (text and every file confirmed by the server), ``partial`` (text
    sent, files waiting), ``waiting``, ``refused`` (the server or a check refused an
    item: see ``reasons``) or ``received`` (written on another device: nothing to send).
    ``files_waiting`` lists (attachment kind, size in bytes) of the files not sent."""
    owned = "(o.record_id = :r OR o.record_id IN (SELECT id FROM record WHERE owner = :r))"
    rows = conn.execute(
        "SELECT o.kind, o.state, o.reason, a.kind, a.stored_size FROM outbox o "  # noqa: S608
        "LEFT JOIN attachment a ON o.kind = 'media' AND a.id = o.ref "
        f"WHERE {owned} ORDER BY o.id", {"r": record_id}).fetchall()
    text_sent = text_total = 0
    files_waiting: list[tuple[str, int]] = []
    reasons: list[str] = []
    for kind, state, reason, att_kind, size in rows:
        if kind == "media":
            if state != "sent":
                files_waiting.append((att_kind or "document", int(size or 0)))
        else:
            text_total += 1
            text_sent += state == "sent"
        if state != "sent" and reason:
            reasons.append(str(reason))
    text_total += conn.execute(
        "SELECT count(*) FROM version v WHERE (v.record_id = :r OR v.record_id IN "
        "(SELECT id FROM record WHERE owner = :r)) AND v.origin = 'local' AND NOT EXISTS "
        "(SELECT 1 FROM outbox o WHERE o.kind = 'version' AND o.ref = v.hash)",
        {"r": record_id}).fetchone()[0]
    for att_kind, size in conn.execute(
            "SELECT a.kind, a.stored_size FROM attachment a WHERE a.record_id = ? AND "
            "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'attachment' AND "
            "o.ref = a.id) AND NOT EXISTS (SELECT 1 FROM incoming_attachment i WHERE "
            "i.id = a.id)", (record_id,)):
        text_total += 1  # its description goes with the text
        files_waiting.append((att_kind, int(size or 0)))
    if not text_total and not files_waiting:
        state = "received" if conn.execute(
            "SELECT 1 FROM version WHERE record_id = ? AND origin != 'local' LIMIT 1",
            (record_id,)).fetchone() else "waiting"
    elif any(not _is_link_reason(r) for r in reasons):
        state = "refused"
    elif text_sent == text_total and not files_waiting:
        state = "sent"
    elif text_sent == text_total:
        state = "partial"
    else:
        state = "waiting"
    return {"state": state, "text_sent": text_sent, "text_total": text_total,
            "files_waiting": files_waiting, "reasons": reasons}


def unsent_records(conn: Connection) -> set[str]:
    """Records (never their identity sections: the record that owns them) with anything
    not yet confirmed by the server, queued or not."""
    found = conn.execute(
        "SELECT DISTINCT coalesce(r.owner, r.id) FROM record r WHERE r.id IN ("
        "SELECT record_id FROM outbox WHERE state != 'sent' AND record_id IS NOT NULL "
        "UNION SELECT v.record_id FROM version v WHERE v.origin = 'local' AND NOT EXISTS "
        "(SELECT 1 FROM outbox o WHERE o.kind = 'version' AND o.ref = v.hash) "
        "UNION SELECT a.record_id FROM attachment a WHERE NOT EXISTS (SELECT 1 FROM outbox "
        "o WHERE o.kind = 'attachment' AND o.ref = a.id) AND NOT EXISTS (SELECT 1 FROM "
        "incoming_attachment i WHERE i.id = a.id))").fetchall()
    return {row[0] for row in found}


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
    progress = record_progress(conn, record_id)
    overall = ("failed" if "failed" in states else "pending" if "pending" in states
               else "sent" if items else "local")
    if overall == "sent" and progress["state"] != "sent":
        overall = "pending"  # an edit or a file added since: not all of it is sent
    review = conn.execute(
        "SELECT status, note, confidence, duplicate_of, reviewer, created_at FROM review "
        "WHERE record_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (record_id,)).fetchone()
    conflicts = [dict(zip(("parent", "version_a", "version_b", "author_a", "author_b"), r,
                          strict=True))
                 for r in conn.execute("SELECT parent, version_a, version_b, author_a, "
                                       "author_b FROM conflict WHERE record_id = ?",
                                       (record_id,))]
    return {"record_id": record_id, "state": overall, "progress": progress,
            "items": items, "conflicts": conflicts,
            "review": dict(zip(("status", "note", "confidence", "duplicate_of", "reviewer",
                                "created_at"), review, strict=True)) if review else None}

