"""The sync client (no Qt): push the outbox, pull the changes feed, move attachments.

The parts live in `sync.push`, `sync.pull` and `sync.transfer`; this module puts them
together in `SyncClient` and runs one sync: directory, coordinator list, push, pull,
attachments.
"""

from __future__ import annotations

from typing import Any

from fieldapp import incoming, outbox
from fieldapp.membership import approval
from fieldapp.profile import Vault
from fieldapp.records import transaction

from .errors import DeviceRevoked, NotApproved, ServerUnreachable, SyncCancelled, reason_of
from .pull import Pull
from .push import Push
from .session import CHUNK, Report
from .transfer import AttachmentTransfer


class SyncClient(Push, Pull, AttachmentTransfer):
    """One sync session for one unlocked vault: push, pull and attachments together."""

    # --- the whole thing ----------------------------------------------------------------
    def sync(self) -> Report:
        """Push, then pull, then fetch waiting attachments; returns the report. A link
        that fails is reported (reasons), not raised; a revoked device raises."""
        try:
            try:
                self.refresh_roster(force=approval(self.conn) != "approved")
            except ServerUnreachable as exc:
                self.report.reasons.append(reason_of(exc))
            if approval(self.conn) == "approved":
                try:
                    self.push()
                except NotApproved as exc:  # the server knows a newer roster than we do
                    self.report.reasons.append(reason_of(exc))
            else:  # nothing leaves this device until a coordinator approves it
                outbox.enqueue_unsent(self.conn)
                self.report.approved = False
                self.report.reasons.append(reason_of(NotApproved()))
            try:
                self.pull()
                self.retry_quarantined()
                if self._relays_waiting():  # a translator's translation for a monitor
                    self.push()
                if not self.text_only:
                    self.fetch_attachments()
            except ServerUnreachable as exc:
                self.report.pulled = False
                self.report.reasons.append(reason_of(exc))
        except DeviceRevoked:
            self._revoked()
        finally:
            self._count()
            if self._transport:
                self.report.bytes_sent = self._transport.bytes_sent
                self.report.bytes_received = self._transport.bytes_received
            self.close()
        return self.report

    def _relays_waiting(self) -> bool:
        """Translations this coordinator queued while pulling, for the monitors whose
        records they translate (fieldapp.incoming): sent in the same sync."""
        return self.member.is_coordinator and approval(self.conn) == "approved" and bool(
            self.conn.execute("SELECT 1 FROM outbox WHERE kind = 'translation' AND "
                              "state = 'pending' AND attempts = 0 LIMIT 1").fetchone())

    def _revoked(self) -> None:
        with transaction(self.conn):
            self.conn.execute("UPDATE membership SET revoked = 1")
        raise DeviceRevoked()

    def _count(self) -> None:
        rows = dict(self.conn.execute(
            "SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        self.report.pending = int(rows.get("pending", 0))
        self.report.failed = int(rows.get("failed", 0))
        if self.text_only:  # media left for a better link on purpose: not a failure
            self.report.deferred = int(self.conn.execute(
                "SELECT count(*) FROM outbox WHERE kind = 'media' AND state != 'sent'"
            ).fetchone()[0])
            self.report.pending -= int(self.conn.execute(
                "SELECT count(*) FROM outbox WHERE kind = 'media' AND state = 'pending'"
            ).fetchone()[0])
            self.report.failed -= int(self.conn.execute(
                "SELECT count(*) FROM outbox WHERE kind = 'media' AND state = 'failed'"
            ).fetchone()[0])
        if not self.text_only:
            self.report.attachments_waiting = len(incoming.waiting_attachments(self.conn))
        reasons = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT reason FROM outbox WHERE state != 'sent' AND reason IS NOT NULL "  # noqa: S608
            + ("AND kind != 'media' " if self.text_only else "") + "LIMIT 10")]
        self.report.reasons = sorted(set(self.report.reasons) | set(reasons))


def start_demo_server(vault: Vault) -> Any:
    """The demo's embedded server on 127.0.0.1 (see sync.demo); `stop()` it at exit."""
    from .demo import start_demo_server as start

    return start(vault)


def sync(vault: Vault, **options: Any) -> Report:
    """One sync of ``vault`` (see `SyncClient` for the options)."""
    client = SyncClient(vault, **options)
    try:
        return client.sync()
    finally:
        client.close()


__all__ = ["CHUNK", "Report", "SyncCancelled", "SyncClient", "start_demo_server", "sync"]
