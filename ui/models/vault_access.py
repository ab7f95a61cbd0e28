"""The window's way to the vault: reads on the main thread, writes on the ``db`` lane.

Reads (lists, search, record views) use a second connection opened for the main thread,
so a long write never freezes the window (WAL lets readers and the writer overlap).
Writes go through `ui.ops.Ops` on the single ``db`` worker, on a connection opened for
that thread. Nothing here speaks SQL: it calls the core (records, drafts, attachments).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from fieldapp import drafts, membership
from fieldapp.errors import NotJoined
from fieldapp.profile import Vault
from fieldapp.records import RecordStore

try:  # written in parallel; the window degrades clearly without it
    from fieldapp import attachments as core_attachments
except ImportError:  # pragma: no cover - depends on another module landing
    core_attachments = None  # type: ignore[assignment]


@dataclasses.dataclass
class SaveResult:
    """What a save did: the record id, and files that could not be attached."""

    record_id: str
    attached: list[str]
    refused: list[tuple[str, BaseException]]


class VaultAccess(QObject):
    """Reader and writer views of one unlocked vault, for the widgets of the main window."""

    record_saved = Signal(str, str)       # record id, kind
    attachments_changed = Signal(str)     # record id
    closing = Signal()                    # connections are about to close: let go of them

    def __init__(self, vault: Vault, ops: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.ops = ops
        self.pseudonym = vault.pseudonym
        self._reader_conn = vault.reader()
        self.reader = RecordStore(self._reader_conn, self.pseudonym)
        self.reader_vault = dataclasses.replace(vault, conn=self._reader_conn)
        self._writer_conn = vault.reader(check_same_thread=False)
        self.writer_vault = dataclasses.replace(vault, conn=self._writer_conn)
        self.closed = False

    @property
    def role(self) -> str | None:
        """This device's role in its project (None: not in a project yet)."""
        if self.closed:
            return None
        try:
            return membership.membership(self._reader_conn).role
        except NotJoined:
            return None

    @property
    def has_attachments(self) -> bool:
        return core_attachments is not None

    # --- writes (db lane) -------------------------------------------------------------
    def save_record(self, kind: str, record_id: str | None, data: dict[str, Any],
                    draft_id: str | None, files: Sequence[tuple[str, bool]] = (),
                    on_done: Callable[[SaveResult], None] | None = None,
                    on_error: Callable[[BaseException], None] | None = None) -> Any:
        """Add (``record_id`` None) or edit a record, attach ``files`` ((path,
        keep_original) pairs), then delete its draft — on the db lane."""
        def work() -> SaveResult:
            store = RecordStore(self._writer_conn, self.pseudonym)
            if record_id is None:
                rid = store.add(kind, data)
            else:
                store.edit(record_id, data)
                rid = record_id
            attached, refused = self._attach_all(rid, files)
            if draft_id:
                drafts.delete_draft(self._writer_conn, draft_id)
            return SaveResult(rid, attached, refused)

        def done(result: SaveResult) -> None:
            self.record_saved.emit(result.record_id, kind)
            if result.attached:
                self.attachments_changed.emit(result.record_id)
            if on_done:
                on_done(result)
        return self.ops.run(work, on_done=done, on_error=on_error, lane="db")

    def _attach_all(self, record_id: str, files: Sequence[tuple[str, bool]]
                    ) -> tuple[list[str], list[tuple[str, BaseException]]]:
        attached: list[str] = []
        refused: list[tuple[str, BaseException]] = []
        if not files:
            return attached, refused
        if core_attachments is None:
            from fieldapp.errors import FieldappError
            return attached, [(p, FieldappError()) for p, _keep in files]
        for path, keep in files:
            try:
                attached.append(core_attachments.attach(self.writer_vault, record_id,
                                                        Path(path), keep_original=keep))
            except Exception as exc:  # noqa: BLE001 - reported per file, record is saved
                refused.append((path, exc))
        return attached, refused

    def attach_files(self, record_id: str, files: Sequence[tuple[str, bool]],
                     on_done: Callable[[SaveResult], None] | None = None,
                     on_error: Callable[[BaseException], None] | None = None) -> Any:
        """Attach files to a saved record, on the db lane."""
        def work() -> SaveResult:
            attached, refused = self._attach_all(record_id, files)
            return SaveResult(record_id, attached, refused)

        def done(result: SaveResult) -> None:
            self.attachments_changed.emit(record_id)
            if on_done:
                on_done(result)
        return self.ops.run(work, on_done=done, on_error=on_error, lane="db")

    def save_draft(self, draft_id: str, kind: str, record_id: str | None,
                   body: dict[str, Any],
                   on_done: Callable[[Any], None] | None = None) -> Any:
        """Autosave a form (durable when the job is done); errors are ignored quietly
        because the next autosave retries, but reported to ``on_done`` as False."""
        def work() -> bool:
            drafts.save_draft(self._writer_conn, draft_id, kind, record_id, body)
            return True
        return self.ops.run(work, on_done=on_done,
                            on_error=lambda exc: on_done(False) if on_done else None,
                            lane="db")

    def delete_draft(self, draft_id: str,
                     on_done: Callable[[Any], None] | None = None) -> Any:
        return self.ops.run(drafts.delete_draft, self._writer_conn, draft_id,
                            on_done=on_done, lane="db")

    # --- reads (main thread) ----------------------------------------------------------
    def drafts_for(self, kind: str, record_id: str | None) -> list[drafts.Draft]:
        return drafts.list_drafts(self._reader_conn, kind, record_id)

    def load_draft(self, draft_id: str) -> drafts.Draft | None:
        return drafts.load_draft(self._reader_conn, draft_id)

    def close(self) -> None:
        """Close the reader now and the writer after the writes already queued."""
        if self.closed:
            return
        self.closed = True
        self.closing.emit()
        try:
            self._reader_conn.close()
        except Exception:  # noqa: BLE001,S110 - closing twice or after a panic is fine
            pass
        writer = self._writer_conn
        try:
            self.ops.run(writer.close, lane="db", on_error=lambda exc: None)
        except RuntimeError:  # ops already shut down: no worker uses the connection now
            writer.close()
