"""The outbox and sync panel: what is pending, sent or failed (and why), "Sync now" with
progress and cancel, the last successful sync, text-only and a data budget, and a calm
banner when the server cannot be reached (stronger only after several failures)."""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import audit, membership, outbox
from fieldapp.i18n import N_, _, format_timestamp, ngettext
from fieldapp.messages import user_message
from fieldapp.profile import Vault
from sync import client as sync_client
from sync.transport import Settings

from ..icons import icon
from ..models.outbox import OutboxModel
from ..models.vault_access import VaultAccess
from ..sizes import size_text
from .empty_state import EmptyState, fit_columns
from .flow_layout import FlowLayout

ESCALATE_AFTER = 3
TEXT_ONLY_KEY = "sync_text_only"
BUDGET_KEY = "sync_budget_mb"
LAST_SYNC_KEY = "last_sync_at"
# What the sync client is doing (its progress phases), in words.
PHASES: dict[str, str] = {
    "text": N_("Sending records…"),
    "media": N_("Sending photos and files…"),
    "upload": N_("Sending photos and files…"),
    "pull": N_("Receiving records…"),
    "download": N_("Receiving attachments…"),
    "waiting": N_("No answer from the server yet; trying again…"),
}
SYNCING = N_("Syncing…")  # a phase the panel does not know yet
CALM = "QFrame { background: #eef2f6; border: 1px solid #b8c4d0; border-radius: 4px; }"
STRONG = "QFrame { background: #fff1d6; border: 2px solid #b86e00; border-radius: 4px; }"


UNREACHABLE = ("ServerUnreachable", "TLSPinMismatch")


def server_reached(report: Any) -> bool:
    """False when the report says the link failed (the client reports rather than raises
    a failing link, so what was sent before it failed is still counted)."""
    reasons = getattr(report, "reasons", None) or []
    return not any(str(r).startswith(UNREACHABLE) for r in reasons)


def sync_succeeded(report: Any) -> bool:
    return server_reached(report) and bool(getattr(report, "pulled", True))


@dataclasses.dataclass
class SyncOutcome:
    """One sync as the user counts it: in records, not in the items the protocol moves
    (a record with two photos is one record, sent only when all of it is)."""

    report: Any
    records_sent: int = 0       # records fully confirmed by this sync
    records_waiting: int = 0    # records with anything still not confirmed


def run_sync(vault: Vault, *, text_only: bool, budget: int | None,
             cancel: threading.Event, job: Any = None) -> SyncOutcome:
    """Worker (net lane): one sync on a connection of its own, so saving records is never
    blocked by a slow link; notes the time of the last successful sync."""
    conn = vault.reader(check_same_thread=False)
    try:
        own = dataclasses.replace(vault, conn=conn)
        before = outbox.unsent_records(conn)
        settings = Settings(cancel=cancel)
        if job is not None:  # a retry is coming: the bar says it waits, it does not stand
            settings.on_wait = lambda: job.report(0, 0, "waiting")
        # The same tuning variables as `fieldapp sync` (tests use them for quick retries).
        if os.environ.get("FIELDAPP_SYNC_BACKOFF"):
            settings.backoff = float(os.environ["FIELDAPP_SYNC_BACKOFF"])
        if os.environ.get("FIELDAPP_SYNC_ATTEMPTS"):
            settings.attempts = max(1, int(os.environ["FIELDAPP_SYNC_ATTEMPTS"]))
        report = sync_client.sync(own, settings=settings, text_only=text_only, budget=budget,
                             on_progress=job.report if job is not None else None)
        if sync_succeeded(report):
            own.set_setting(LAST_SYNC_KEY, audit.now())
        after = outbox.unsent_records(conn)
        return SyncOutcome(report, len(before - after), len(after))
    finally:
        conn.close()


class SyncPanel(QWidget):
    """The Outbox page of the main window."""

    sync_finished = Signal(bool)   # True when the last sync succeeded
    _cancel_event = threading.Event()

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.failures = 0
        self.job: Any = None
        # How the last sync ended: None (none yet), "succeeded", "failed" or "cancelled".
        self.last_result: str | None = None
        layout = QVBoxLayout(self)
        self.banner = QFrame(self)
        banner_layout = QHBoxLayout(self.banner)
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        banner_layout.addWidget(self.banner_text)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.joined_label = QLabel(self)
        self.joined_label.setWordWrap(True)
        self.last_sync = QLabel(self)
        layout.addWidget(self.joined_label)
        layout.addWidget(self.last_sync)
        self.sync_button = QPushButton(icon("sync"), "", self)
        self.cancel_button = QPushButton(self)
        self.cancel_button.hide()
        self.progress = QProgressBar(self)
        self.progress.hide()
        actions = QHBoxLayout()
        for widget in (self.sync_button, self.cancel_button):
            actions.addWidget(widget)
        actions.addWidget(self.progress, 3)
        actions.addStretch(1)  # the button keeps its size when the bar is hidden
        layout.addLayout(actions)
        self.text_only = QCheckBox(self)
        self.budget_label = QLabel(self)
        self.budget = QSpinBox(self)
        self.budget.setRange(0, 100_000)
        self.budget_label.setBuddy(self.budget)
        # The options wrap onto two lines on a narrow screen.
        options = QWidget(self)
        flow = FlowLayout(options)
        flow.addWidget(self.text_only)
        budget_pair = QWidget(options)
        pair = QHBoxLayout(budget_pair)
        pair.setContentsMargins(0, 0, 0, 0)
        pair.addWidget(self.budget_label)
        pair.addWidget(self.budget)
        flow.addWidget(budget_pair)
        layout.addWidget(options)
        self.phase = QLabel(self)
        layout.addWidget(self.phase)
        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)
        self.model = OutboxModel(access.reader, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setTabKeyNavigation(False)
        self.empty = EmptyState("outbox", self)
        self.table_stack = QStackedWidget(self)
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty)
        layout.addWidget(self.table_stack, 1)
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.cancel)
        self.model.reloaded.connect(self._update_count)
        access.closing.connect(self.model.detach)
        self.text_only.setChecked(self._setting(TEXT_ONLY_KEY) == "1")
        self.budget.setValue(int(self._setting(BUDGET_KEY) or 0))
        self.text_only.toggled.connect(lambda on: self._store(TEXT_ONLY_KEY, "1" if on else "0"))
        self.budget.valueChanged.connect(lambda v: self._store(BUDGET_KEY, str(v)))
        access.record_saved.connect(lambda *_a: self.refresh() if self._loaded else None)
        self._loaded = False
        self.retranslate()

    # --- settings ---------------------------------------------------------------------
    def _setting(self, key: str) -> str | None:
        return None if self.access.closed else self.access.reader_vault.setting(key)

    def _store(self, key: str, value: str) -> Any:
        return self.access.ops.run(self.access.writer_vault.set_setting, key, value,
                                   lane="db")

    @property
    def syncing(self) -> bool:
        """True from "Sync now" until the panel is idle again (even while stopping)."""
        return self.job is not None

    @property
    def joined(self) -> bool:
        return (not self.access.closed
                and membership.is_joined(self.access.reader_vault.conn))

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        self._loaded = True
        self.model.reload()
        self._update_labels()

    def _update_count(self) -> None:
        total = self.model.total
        self.empty.set_text(_("No records on this device yet. Each record you save shows "
                              "here until the server has all of it."))
        self.table_stack.setCurrentWidget(self.table if total or not self._loaded
                                          else self.empty)
        if total:
            fit_columns(self.table, self.table.horizontalHeader(), wide=1)
        waiting = 0 if self.access.closed else \
            len(outbox.unsent_records(self.access.reader_vault.conn))
        self.count_label.setText(_("{records}; {waiting}.").format(
            records=ngettext("{n} record on this device", "{n} records on this device",
                             total).format(n=total),
            waiting=ngettext("{n} waiting to be sent", "{n} waiting to be sent",
                             waiting).format(n=waiting)))

    def _update_labels(self) -> None:
        if not self.joined:
            self.joined_label.setText(_("This device has not joined a project yet. Records "
                                        "stay here, encrypted, until it joins one; then "
                                        "they are sent."))
        else:
            self.joined_label.setText(_("Records are sent, encrypted, to your project's "
                                        "coordinators whenever a connection is found."))
        when = self._setting(LAST_SYNC_KEY)
        self.last_sync.setText(
            _("Last successful sync: {when}").format(when=format_timestamp(when))
            if when else _("Last successful sync: never"))
        self.text_only.setToolTip(_("Send text now and photos later, to save data."))

    # --- syncing ----------------------------------------------------------------------
    def sync_now(self) -> Any:
        """Start a sync on the net lane (or say why it cannot); returns the job."""
        if not self.joined:
            self._update_labels()
            self.phase.setText(_("Nothing to sync with: this device has not joined a "
                                 "project yet."))
            self.sync_finished.emit(False)
            return None
        if self.job is not None:
            return self.job
        self.sync_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.show()
        self.progress.setRange(0, 0)
        self.phase.setText(_("Connecting…"))
        self._cancel_event = threading.Event()
        self.job = self.access.ops.run(
            run_sync, self.access.vault, text_only=self.text_only.isChecked(),
            budget=self.budget.value() * 1_000_000 or None, cancel=self._cancel_event,
            on_done=self._synced, on_error=self._sync_failed, lane="net")
        self.job.progress.connect(self._progress)
        # A job that never started (or stopped with ui.ops.Cancelled) reports no error.
        self.job.cancelled_signal.connect(self._stopped)
        return self.job

    def cancel(self) -> None:
        """Ask the sync to stop at its next safe point; what the server confirmed stays
        sent, the rest stays in the outbox."""
        if self.job is not None:
            self._cancel_event.set()
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.phase.setText(_("Stopping after the current piece…"))

    def _progress(self, done: int, total: int, phase: str) -> None:
        """Move the bar only with what the server confirmed. A step finished, or a retry
        coming, shows a busy bar: never a full bar while nothing moves."""
        if phase and not self._cancel_event.is_set():  # "Stopping…" stays until the end
            self.phase.setText(_(PHASES.get(phase, SYNCING)))
        if total <= 0 or done >= total:
            self.progress.setRange(0, 0)
            self.progress.setFormat("")
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done / total))
        if phase in ("upload", "media", "download"):
            self.progress.setFormat(_("{done} of {total}").format(
                done=size_text(done), total=size_text(total)))
        else:
            self.progress.setFormat("%p%")

    def _synced(self, outcome: SyncOutcome) -> None:
        report = outcome.report
        sent = ngettext("{n} record sent", "{n} records sent",
                        outcome.records_sent).format(n=outcome.records_sent)
        waiting = ngettext("{n} record still waiting", "{n} records still waiting",
                           outcome.records_waiting).format(n=outcome.records_waiting)
        received = getattr(report, "received", 0)
        received_text = ngettext("{n} update received", "{n} updates received",
                                 received).format(n=received)
        reached = server_reached(report)
        self.last_result = "succeeded" if sync_succeeded(report) else "failed"
        if reached:
            self.failures = 0
            self.banner.hide()
            self.phase.setText(_("Sync finished: {sent}, {received}, {waiting}.").format(
                sent=sent, received=received_text, waiting=waiting))
        else:
            self.failures += 1
            self.show_unreachable()
            self.phase.setText(_("The server could not be reached: {sent}, {waiting} "
                                 "here, safe.").format(sent=sent, waiting=waiting))
        self._ended()
        self.refresh()
        self.sync_finished.emit(sync_succeeded(report))

    def _sync_failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        if name == "SyncCancelled":
            self._stopped()
            return
        self.last_result = "failed"
        self.phase.setText(user_message(exc))
        if name in UNREACHABLE or isinstance(exc, OSError):
            self.failures += 1
            self.show_unreachable()
        self._ended()
        self.refresh()
        self.sync_finished.emit(False)

    def _stopped(self) -> None:
        """The sync was cancelled: idle again, calmly (a cancel is not a failure)."""
        self.last_result = "cancelled"
        self.phase.setText(_("Sync stopped; what was sent is kept, the rest waits."))
        self._ended()
        self.refresh()
        self.sync_finished.emit(False)

    def show_unreachable(self) -> None:
        """A calm line after a failure; a stronger one after several in a row."""
        if self.failures >= ESCALATE_AFTER:
            self.banner.setStyleSheet(STRONG)
            self.banner_text.setText(ngettext(
                "The server could not be reached {n} time in a row. Your records are safe "
                "here. If this goes on, try another connection or carry a bundle file.",
                "The server could not be reached {n} times in a row. Your records are safe "
                "here. If this goes on, try another connection or carry a bundle file.",
                self.failures).format(n=self.failures))
        else:
            self.banner.setStyleSheet(CALM)
            self.banner_text.setText(_("No connection to the server right now. Your records "
                                       "are safe here and will be sent later."))
        self.banner.show()

    def _ended(self) -> None:
        self.job = None
        self.sync_button.setEnabled(True)
        self.cancel_button.hide()
        self.cancel_button.setEnabled(True)
        self.progress.hide()

    def retranslate(self) -> None:
        self.sync_button.setText(_("Sync &now"))
        self.cancel_button.setText(_("&Cancel"))
        self.text_only.setText(_("Te&xt only (photos later)"))
        self.budget_label.setText(_("Data &budget per sync (MB, 0 = no limit):"))
        self.budget.setAccessibleName(_("Data budget per sync in megabytes"))
        self.table.setAccessibleName(_("Outbox"))
        self.model.retranslate()
        self._update_labels()
        self._update_count()
        if self.banner.isVisible():
            self.show_unreachable()
