"""The JSON export: everything in the vault, the coordinator's full plaintext backup.

Records with their head body, links, every version, attachment metadata (never the file
bytes, keys or thumbnails), reviews, translations, the places typed by users and the
audit chain's head. Not included: form drafts (unsaved typing) and sync bookkeeping. Identity
sections (names, phones, homes of witnesses and victims) are included in their own,
clearly marked top-level section ``identities`` unless the caller leaves them out; the
header's ``contains_identity`` says which.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from .. import __version__, audit
from ..i18n import _

FORMAT = "fieldapp-export"
FORMAT_VERSION = 1

# Attachment columns that are safe and useful in a backup: never file_key, never the
# thumbnail's bytes. Listed, not excluded, so a column added later stays out until
# someone decides it belongs here.
ATTACHMENT_COLUMNS = ("id", "record_id", "kind", "mime", "name", "size", "stored_size",
                      "sha256_original", "sha256_stored", "has_original", "stripped",
                      "width", "height", "created_at", "created_by")


def _rows(conn: Any, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, args)
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor.fetchall():
        item = {k: v for k, v in zip(names, row, strict=True)
                if not isinstance(v, bytes | bytearray | memoryview)}
        out.append(item)
    return out


def _table_columns(conn: Any, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}  # noqa: S608


def _grouped(items: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        out[item.pop(key)].append(item)
    return out


def _versions(conn: Any) -> dict[str, list[dict[str, Any]]]:
    rows = _rows(conn, "SELECT record_id, hash, parent, author, created_at, origin, body "
                       "FROM version ORDER BY record_id, created_at, rowid")
    for row in rows:
        row["body"] = json.loads(row["body"])
    return _grouped(rows, "record_id")


def _attachments(conn: Any) -> dict[str, list[dict[str, Any]]]:
    present = _table_columns(conn, "attachment")
    cols = [c for c in ATTACHMENT_COLUMNS if c in present]
    rows = _rows(conn, f"SELECT {', '.join(cols)} FROM attachment "  # noqa: S608
                       "ORDER BY record_id, created_at, id")
    for row in rows:
        if isinstance(row.get("stripped"), str):
            try:
                row["stripped"] = json.loads(row["stripped"])
            except ValueError:
                pass
        if "has_original" in row:
            row["has_original"] = bool(row["has_original"])
    return _grouped(rows, "record_id")


def _by_record(conn: Any, table: str) -> dict[str, list[dict[str, Any]]]:
    order = "record_id, created_at, id"
    return _grouped(_rows(conn, f"SELECT * FROM {table} ORDER BY {order}"),  # noqa: S608
                    "record_id")


def build(conn: Any, *, exported_by: str, exported_at: str,
          include_identity: bool = True) -> dict[str, Any]:
    """The export as a JSON-ready object."""
    heads = _rows(conn, "SELECT r.id, r.kind, r.status, r.head, r.created_at, r.updated_at, "
                        "r.created_by, r.updated_by, r.owner, v.body FROM record r "
                        "JOIN version v ON v.hash = r.head "
                        "ORDER BY r.kind, r.occurred_on, r.created_at, r.id")
    versions = _versions(conn)
    attachments = _attachments(conn)
    reviews = _by_record(conn, "review")
    translations = _by_record(conn, "translation")
    links: dict[str, list[dict[str, str]]] = defaultdict(list)
    for from_id, to_id, role in conn.execute(
            "SELECT from_id, to_id, role FROM link ORDER BY from_id, role, to_id"):
        links[from_id].append({"to": to_id, "role": role})
    identity_of = {row["owner"]: row["id"] for row in heads
                   if row["kind"] == "identity" and row["owner"]}

    records, identities = [], []
    for row in heads:
        row["body"] = json.loads(row["body"])
        owner = row.pop("owner")
        row["versions"] = versions.get(row["id"], [])
        if row["kind"] == "identity":
            row["owner"] = owner
            identities.append(row)
            continue
        row["links"] = links.get(row["id"], [])
        row["incident_ids"] = [link["to"] for link in row["links"]
                               if link["role"] == "incident"]
        if include_identity and row["id"] in identity_of:
            row["identity_id"] = identity_of[row["id"]]
        row["attachments"] = attachments.get(row["id"], [])
        row["reviews"] = reviews.get(row["id"], [])
        row["translations"] = translations.get(row["id"], [])
        records.append(row)

    verdict = audit.verify(conn)
    counts: dict[str, int] = defaultdict(int)
    for row in records:
        counts[row["kind"]] += 1
    document: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "plaintext": True,
        "contains_identity": bool(include_identity and identities),
        "notice": _("Plaintext export of an encrypted fieldapp profile: anyone holding "
                    "this file can read it. Keep it encrypted, share it with no one who "
                    "does not need it, and delete it when done."),
        "counts": {**dict(sorted(counts.items())),
                   "identity": len(identities) if include_identity else 0},
        "records": records,
        "places": _rows(conn, "SELECT name, region, cercle, latitude, longitude, uses "
                              "FROM place ORDER BY folded"),
        "audit": {"entries": verdict.entries, "head": verdict.head, "intact": verdict.ok},
    }
    if include_identity:
        document["identities"] = {
            "section": "identity",
            "notice": _("Identities of witnesses and victims (names, phones, homes): for "
                        "coordinators only. Remove this section before sharing the file."),
            "items": identities,
        }
    return document


def render(conn: Any, *, exported_by: str, exported_at: str,
           include_identity: bool = True) -> tuple[bytes, int, bool]:
    """(UTF-8 JSON bytes, number of records exported (identities not counted), whether
    any identity is in the file)."""
    document = build(conn, exported_by=exported_by, exported_at=exported_at,
                     include_identity=include_identity)
    data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
    return ((data + "\n").encode("utf-8"), len(document["records"]),
            document["contains_identity"])
