"""The desk's way to the vault: reads on the window's reader connection, writes on the
``db`` lane (through `ui.ops`), like `ui.models.vault_access.VaultAccess` which it wraps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fieldapp import drafts, glossary, membership, translations
from fieldapp.errors import FieldappError, NotJoined
from fieldapp.memory import TranslationMemory
from fieldapp.records import narrative

from ..models.vault_access import VaultAccess


class DeskAccess:
    """Assignments, translations, memory and glossary of one unlocked vault."""

    def __init__(self, access: VaultAccess) -> None:
        self.access = access
        self._memory: dict[str, TranslationMemory] = {}

    @property
    def reader(self) -> Any:
        return self.access.reader_vault.conn

    @property
    def writer(self) -> Any:
        return self.access.writer_vault.conn

    @property
    def pseudonym(self) -> str:
        return self.access.pseudonym

    def device_id(self) -> str | None:
        try:
            return membership.membership(self.reader).device_id
        except NotJoined:
            return None

    # --- reads ------------------------------------------------------------------------
    def assignments(self, *, mine: bool = False,
                    record_id: str | None = None) -> list[translations.Assignment]:
        if self.access.closed:
            return []
        device = self.device_id() if mine else None
        if mine and device is None:
            return []
        return translations.assignments(self.reader, translator_device=device,
                                        record_id=record_id)

    def about(self, assignment: translations.Assignment) -> str:
        """What names a record without a title on this device: its summary (or title),
        when that field is one of those assigned (a translator holds only those)."""
        if assignment.title or self.access.closed:
            return ""
        try:
            told = narrative(self.reader, assignment.record_id)["fields"]
        except FieldappError:
            return ""
        for field in ("summary", "title"):
            value = told.get(field)
            if field in assignment.fields and isinstance(value, str) and value.strip():
                return value
        return ""

    def choices_about(self, record_ids: Sequence[str]) -> dict[str, tuple[str, list[str]]]:
        """For the assign dialog, per record: its summary (testimonies: the witness code
        alone says little) and the languages it is already assigned into."""
        if self.access.closed or not record_ids:
            return {}
        marks = ", ".join("?" * len(record_ids))
        found: dict[str, tuple[str, list[str]]] = {
            rid: (summary if isinstance(summary, str) else "", [])
            for rid, summary in self.reader.execute(
                "SELECT r.id, json_extract(v.body, '$.summary') FROM record r "  # noqa: S608
                f"JOIN version v ON v.hash = r.head WHERE r.id IN ({marks})",
                list(record_ids))}
        for rid, lang in self.reader.execute(
                "SELECT DISTINCT record_id, target_lang FROM assignment "  # noqa: S608
                f"WHERE record_id IN ({marks}) ORDER BY target_lang", list(record_ids)):
            if rid in found:
                found[rid][1].append(lang)
        return found

    def translations_of(self, record_id: str) -> dict[tuple[str, str],
                                                      translations.Translation]:
        return translations.translations_of(self.reader, record_id)

    def translators(self) -> list[str]:
        return [p.pseudonym for p in membership.peers(self.reader, role="translator")]

    def memory(self, target_lang: str, *, fresh: bool = False) -> TranslationMemory:
        if fresh or target_lang not in self._memory:
            self._memory[target_lang] = TranslationMemory.from_store(self.reader, target_lang)
        return self._memory[target_lang]

    def terms(self, target_lang: str | None = None) -> list[glossary.Term]:
        return glossary.terms(self.reader, target_lang)

    def draft(self, assignment_id: str) -> drafts.Draft | None:
        return drafts.load_draft(self.reader, assignment_id)

    # --- writes (db lane) -------------------------------------------------------------
    def _run(self, fn: Callable[..., Any], *args: Any,
             on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> Any:
        return self.access.ops.run(fn, *args, on_done=on_done, on_error=on_error, lane="db")

    def assign(self, record_ids: Sequence[str], translator: str, target_lang: str,
               fields: Sequence[str] | None, **handlers: Any) -> Any:
        """Assign each record (its ``fields`` among those it has; None: all)."""
        def work() -> list[str]:
            done = []
            project = TranslationMemory.from_store(self.writer, target_lang)  # once for all
            for record_id in record_ids:
                present = narrative(self.writer, record_id)["fields"]
                chosen = None if fields is None else [f for f in fields if f in present]
                done.append(translations.assign(self.writer, self.pseudonym, record_id,
                                                translator, target_lang, chosen or None,
                                                project_memory=project))
            return done
        return self._run(work, **handlers)

    def send(self, record_id: str, target_lang: str, texts: dict[str, str],
             assignment_id: str, keep_draft: dict[str, Any] | None, **handlers: Any) -> Any:
        """Queue a translation of each field of ``texts``; then keep what is left as the
        draft (``keep_draft``) or delete it."""
        def work() -> int:
            for field, text in texts.items():
                translations.add_translation(self.writer, self.pseudonym, record_id, field,
                                             target_lang, text)
            if keep_draft:
                drafts.save_draft(self.writer, assignment_id, "translation", record_id,
                                  keep_draft)
            else:
                drafts.delete_draft(self.writer, assignment_id)
            return len(texts)
        return self._run(work, **handlers)

    def save_draft(self, assignment_id: str, record_id: str, body: dict[str, Any],
                   on_done: Callable[[Any], None] | None = None) -> Any:
        return self.access.save_draft(assignment_id, "translation", record_id, body,
                                      on_done=on_done)

    def delete_draft(self, assignment_id: str) -> Any:
        return self.access.delete_draft(assignment_id)

    def set_term(self, term: str, target_lang: str, translation: str, note: str = "",
                 *, deleted: bool = False, **handlers: Any) -> Any:
        return self._run(lambda: glossary.set_term(self.writer, self.pseudonym, term,
                                                   target_lang, translation, note,
                                                   deleted=deleted), **handlers)

    def add_starter_terms(self, **handlers: Any) -> Any:
        return self._run(glossary.add_starter_terms, self.writer, self.pseudonym, **handlers)
