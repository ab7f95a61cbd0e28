"""Translations: a coordinator assigns a record's narrative to a translator; the
translator's translation of one field. Both are queued in the outbox in the transaction
that writes them. A translator only ever sees the narrative fields (model.NARRATIVE_FIELDS).

A copy of an assignment (without the memory's pairs) goes to the monitor who wrote the
record, and the coordinator relays the translation to it (fieldapp.incoming), so the
monitor sees it beside its own text; the translator is never told who wrote the record.
The translator's copy also carries the project's earlier translations of sentences like
the assigned ones (fieldapp.memory.shared_for).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import audit, memory, model
from .errors import InvalidInput, NotFound, UnknownTranslator
from .membership import peers
from .outbox import AUTHOR_COPY, author_device, enqueue
from .records import head_version, narrative, reindex, transaction
from .store.db import Connection
from .text import fold, uuid7

TARGET_LANGS = ("fr", "en")


def assign(conn: Connection, coordinator: str, record_id: str, translator: str,
           target_lang: str, fields: Sequence[str] | None = None, *,
           project_memory: memory.TranslationMemory | None = None) -> str:
    """Assign a record's narrative fields (``fields``; None: all it has) to an enrolled
    translator (by pseudonym); the translator receives only those fields, and the pairs
    of the project's memory (``project_memory``, else built from this store) that match
    their sentences."""
    if target_lang not in TARGET_LANGS:
        raise InvalidInput(field="to", reason="not one of the allowed values",
                           value=target_lang[:10])
    matches = [p for p in peers(conn, role="translator")
               if fold(p.pseudonym) == fold(translator)]
    if not matches:
        raise UnknownTranslator(pseudonym=translator[:60])
    device = matches[-1]
    head_version(conn, record_id)
    # refuses kinds with no narrative (person, identity)
    told = narrative(conn, record_id)["fields"]
    present = [f for f in told if f != "language"]
    chosen = present if fields is None else list(dict.fromkeys(fields))
    if not chosen or any(f not in present for f in chosen):
        raise InvalidInput(field="field", reason="not one of the allowed values",
                           value=",".join(f for f in chosen if f not in present)[:40])
    # looked up before the write: a long text must not hold the store's write lock
    if project_memory is None:
        project_memory = memory.TranslationMemory.from_store(conn, target_lang)
    shared = memory.shared_for(project_memory,
                               (told[f] for f in chosen if isinstance(told[f], str)))
    with transaction(conn):
        head_version(conn, record_id)  # still there
        assignment_id = uuid7()
        author = author_device(conn, record_id)
        conn.execute(
            "INSERT INTO assignment (id, record_id, translator, translator_device, "
            "target_lang, fields, assigned_by, created_at, author_device, memory) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (assignment_id, record_id, device.pseudonym, device.device_id, target_lang,
             json.dumps(chosen), coordinator, audit.now(), author,
             json.dumps(shared, ensure_ascii=False)))
        enqueue(conn, "assignment", assignment_id, record_id)
        if author is not None:  # its monitor's copy, without the memory's pairs
            enqueue(conn, "assignment", assignment_id + AUTHOR_COPY, record_id)
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
        if row is None or row[0] not in model.NARRATIVE_FIELDS:
            raise NotFound(kind="record", id=record_id[:60])
        body = json.loads(row[1])
        if field not in model.NARRATIVE_FIELDS[row[0]] or field == "language" or field not in body:
            raise InvalidInput(field="field", reason="not one of the allowed values",
                               value=field[:40])
        translation_id = uuid7()
        conn.execute(
            "INSERT INTO translation (id, record_id, field, source_lang, target_lang, text, "
            "translator, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'done', ?)",
            (translation_id, record_id, field, body.get("language"), target_lang, text,
             translator, audit.now()))
        enqueue(conn, "translation", translation_id, record_id)
        reindex(conn, record_id)
        audit.append(conn, translator, "translate", record_id,
                     {"field": field, "to": target_lang})
    return translation_id


# --- what the desks show ---------------------------------------------------------------
ASSIGNMENT_STATES = ("assigned", "in progress", "done")


@dataclass
class Translation:
    id: str
    record_id: str
    field: str
    source_lang: str | None
    target_lang: str
    text: str
    translator: str
    status: str
    created_at: str


@dataclass
class Assignment:
    """One assignment as the desks show it: ``state`` is "assigned" (nothing translated
    yet), "in progress" (some fields, or a draft on this device) or "done"."""

    id: str
    record_id: str
    kind: str
    title: str
    translator: str
    target_lang: str
    source_lang: str | None
    fields: list[str]
    assigned_by: str
    created_at: str
    done_fields: list[str]
    has_draft: bool
    waiting: int = 0   # translations of it written here and not yet sent

    @property
    def state(self) -> str:
        if self.fields and all(f in self.done_fields for f in self.fields):
            return "done"
        if self.done_fields or self.has_draft:
            return "in progress"
        return "assigned"


_T_COLUMNS = ("id", "record_id", "field", "source_lang", "target_lang", "text", "translator",
              "status", "created_at")


def translations_of(conn: Connection, record_id: str) -> dict[tuple[str, str], Translation]:
    """The latest translation of each (field, target language) of a record."""
    latest: dict[tuple[str, str], Translation] = {}
    for row in conn.execute(
            f"SELECT {', '.join(_T_COLUMNS)} FROM translation WHERE record_id = ? "  # noqa: S608
            "AND status != 'draft' ORDER BY created_at, id", (record_id,)):
        found = Translation(*row)
        latest[(found.field, found.target_lang)] = found
    return latest


def assignments(conn: Connection, *, translator_device: str | None = None,
                record_id: str | None = None) -> list[Assignment]:
    """Assignments in this store (of one translator's device, of one record), newest
    first, each with how far its translation got."""
    clauses, args = [], []
    if translator_device is not None:
        clauses.append("a.translator_device = ?")
        args.append(translator_device)
    if record_id is not None:
        clauses.append("a.record_id = ?")
        args.append(record_id)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(
        "SELECT a.id, a.record_id, r.kind, r.title, a.translator, a.target_lang, "  # noqa: S608
        "v.body, a.fields, a.assigned_by, a.created_at, "
        "EXISTS (SELECT 1 FROM draft d WHERE d.id = a.id), "
        "(SELECT count(*) FROM outbox o WHERE o.kind = 'translation' AND "
        "o.record_id = a.record_id AND o.state != 'sent') "
        "FROM assignment a JOIN record r ON r.id = a.record_id "
        f"JOIN version v ON v.hash = r.head {where} "
        "ORDER BY a.created_at DESC, a.id DESC", args).fetchall()
    found = []
    for (aid, rid, kind, title, translator, target, body, fields, by, at,
         draft, waiting) in rows:
        done = {f for (f, lang), t in translations_of(conn, rid).items() if lang == target}
        order = model.NARRATIVE_FIELDS.get(kind, ())
        wanted = sorted((f for f in json.loads(fields or "[]") if f != "language"),
                        key=lambda f: order.index(f) if f in order else len(order))
        source: Any = json.loads(body).get("language")
        found.append(Assignment(aid, rid, kind, title or "", translator, target,
                                source if isinstance(source, str) else None, wanted, by,
                                at, [f for f in wanted if f in done], bool(draft),
                                int(waiting)))
    return found
