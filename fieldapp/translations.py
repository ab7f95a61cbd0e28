"""Translations: a coordinator assigns a record's narrative to a translator; the
translator's translation of one field. Both are queued in the outbox in the transaction
that writes them. A translator only ever sees the narrative fields (model.NARRATIVE_FIELDS).
"""

from __future__ import annotations

import json

from . import audit, model
from .errors import InvalidInput, NotFound, UnknownTranslator
from .membership import peers
from .outbox import enqueue
from .records import head_version, narrative, transaction
from .store.db import Connection
from .text import fold, uuid7

TARGET_LANGS = ("fr", "en")


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
        head_version(conn, record_id)
        narrative(conn, record_id)  # refuses kinds with no narrative (person, identity)
        assignment_id = uuid7()
        conn.execute(
            "INSERT INTO assignment (id, record_id, translator, translator_device, "
            "target_lang, fields, assigned_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (assignment_id, record_id, device.pseudonym, device.device_id, target_lang,
             json.dumps(list(narrative(conn, record_id)["fields"])), coordinator,
             audit.now()))
        enqueue(conn, "assignment", assignment_id, record_id)
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
        audit.append(conn, translator, "translate", record_id,
                     {"field": field, "to": target_lang})
    return translation_id
