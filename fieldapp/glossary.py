"""The project's glossary: terms with their agreed translation (FAMa, cercle, JNIM, ISGS,
« déplacés internes »…), so every translator writes them the same way.

Coordinators edit it; each edit is a signed item (type ``glossary``) queued in the outbox
in the transaction that writes it and sent to every translator and coordinator
(fieldapp/outbox.py); fieldapp/authorize.py accepts it only from an approved coordinator.
The glossary is the latest edit of each term and language; a removal is an edit too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import audit
from .errors import InvalidInput, ItemRejected
from .outbox import enqueue
from .records import transaction
from .store.db import Connection
from .text import fold, uuid7
from .translations import TARGET_LANGS

MAX_TERM = 200
MAX_NOTE = 1000
COLUMNS = ("id", "term", "target_lang", "translation", "note", "deleted", "editor",
           "created_at")
# The terms a new project starts from (the coordinator can change or remove them).
STARTER_TERMS: dict[str, dict[str, str]] = {
    "FAMa": {"en": "FAMa (Malian Armed Forces)"},
    "cercle": {"en": "cercle (district)"},
    "JNIM": {"en": "JNIM"},
    "ISGS": {"en": "ISGS"},
    "déplacés internes": {"en": "internally displaced persons"},
}


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    target_lang: str
    translation: str
    note: str
    editor: str
    created_at: str


def _clean(term: str, target_lang: str, translation: str, note: str) -> tuple[str, str, str]:
    if target_lang not in TARGET_LANGS:
        raise InvalidInput(field="to", reason="not one of the allowed values",
                           value=str(target_lang)[:10])
    term, translation, note = " ".join(term.split()), translation.strip(), note.strip()
    if not term:
        raise InvalidInput(field="term", reason="required")
    if len(term) > MAX_TERM or len(translation) > MAX_TERM or len(note) > MAX_NOTE:
        raise InvalidInput(field="term", reason="too long")
    if "\x00" in term + translation + note:
        raise InvalidInput(field="term", reason="invalid character")
    return term, translation, note


def set_term(conn: Connection, editor: str, term: str, target_lang: str, translation: str,
             note: str = "", *, deleted: bool = False) -> str:
    """Add or change a term's agreed translation (``deleted``: take it out); queued to
    be sent. Only a coordinator's device should call this (the others refuse it)."""
    term, translation, note = _clean(term, target_lang, translation, note)
    if not translation and not deleted:
        raise InvalidInput(field="translation", reason="required")
    term_id = uuid7()
    with transaction(conn):
        _insert(conn, term_id, term, target_lang, translation, note, deleted, editor,
                audit.now(), "local")
        enqueue(conn, "glossary", term_id, term_id)
        audit.append(conn, editor, "glossary", None,
                     {"term": term[:60], "to": target_lang, "deleted": deleted})
    return term_id


def _insert(conn: Connection, term_id: str, term: str, target_lang: str, translation: str,
            note: str, deleted: bool, editor: str, at: str, origin: str) -> bool:
    cur = conn.execute(
        "INSERT OR IGNORE INTO glossary (id, term, folded, target_lang, translation, note, "
        "deleted, editor, created_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (term_id, term, fold(term), target_lang, translation, note, int(deleted), editor,
         at, origin))
    return cur.rowcount > 0


def add_starter_terms(conn: Connection, editor: str) -> int:
    """The usual terms, for a glossary still empty; returns how many were added."""
    if conn.execute("SELECT 1 FROM glossary LIMIT 1").fetchone():
        return 0
    added = 0
    for term, translations in STARTER_TERMS.items():
        for lang, translation in translations.items():
            set_term(conn, editor, term, lang, translation)
            added += 1
    return added


def terms(conn: Connection, target_lang: str | None = None) -> list[Term]:
    """The glossary: the latest edit of each term (and language), removed ones left out,
    in alphabetical order."""
    clause, args = ("AND g.target_lang = ?", [target_lang]) if target_lang else ("", [])
    rows = conn.execute(
        "SELECT g.id, g.term, g.target_lang, g.translation, g.note, g.editor, "  # noqa: S608
        "g.created_at FROM glossary g WHERE g.deleted = 0 AND NOT EXISTS (SELECT 1 FROM glossary h "
        "WHERE h.folded = g.folded AND h.target_lang = g.target_lang AND "
        "(h.created_at > g.created_at OR (h.created_at = g.created_at AND h.id > g.id))) "
        f"{clause} ORDER BY g.folded, g.target_lang", args).fetchall()
    return [Term(*row) for row in rows]


def glossary_item(conn: Connection, term_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM glossary WHERE id = ?",  # noqa: S608
                       (term_id,)).fetchone()
    if row is None:
        from .errors import NotFound
        raise NotFound(kind="glossary", id=term_id[:60])
    # record_id: the envelope's header names one; a term's edit is its own "record"
    item = {"type": "glossary", "record_id": row[0], **dict(zip(COLUMNS, row, strict=True))}
    item["deleted"] = bool(item["deleted"])
    return item


def apply_glossary(conn: Connection, item: Mapping[str, Any], actor: str) -> None:
    """A coordinator's edit, received (already authorized by fieldapp.authorize)."""
    from .model import ID_RE

    if item.get("record_id") != item.get("id"):
        raise ItemRejected(reason="bad glossary term")
    fields = {k: item.get(k) for k in ("id", "term", "target_lang", "translation", "note",
                                       "editor", "created_at")}
    if not all(isinstance(v, str) for v in fields.values()) or \
            not ID_RE.match(str(fields["id"])):
        raise ItemRejected(reason="bad glossary term")
    try:
        term, translation, note = _clean(fields["term"], fields["target_lang"],
                                         fields["translation"], fields["note"])
    except InvalidInput:
        raise ItemRejected(reason="bad glossary term") from None
    if _insert(conn, fields["id"], term, fields["target_lang"], translation, note,
               bool(item.get("deleted")), fields["editor"], fields["created_at"], "remote"):
        audit.append(conn, actor, "glossary", None,
                     {"term": term[:60], "to": fields["target_lang"],
                      "from": fields["editor"]})


def find_terms(text: str, known: Iterable[Term]) -> list[tuple[int, int, Term]]:
    """Where glossary terms occur in ``text`` (whole words, any case): (start, end, term),
    in order, the longest term first where two overlap."""
    by_key = {fold(t.term): t for t in known}
    if not by_key:
        return []
    words = sorted({t.term for t in by_key.values()}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                         re.IGNORECASE)
    found = []
    for match in pattern.finditer(text):
        term = by_key.get(fold(match.group()))
        if term is not None:
            found.append((match.start(), match.end(), term))
    return found


__all__ = ["STARTER_TERMS", "Term", "add_starter_terms", "apply_glossary", "find_terms",
           "glossary_item", "set_term", "terms"]
