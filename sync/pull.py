"""Pull: the changes feed from the checkpoint; each page is applied in one transaction in
which every item is all-or-nothing (a savepoint), and the checkpoint advances in the same
commit. An item that is tampered, truncated, wrongly signed, not allowed for its sender
(fieldapp/authorize.py) or that fails to apply for any other reason is quarantined with
its reason, never applied, and the sync goes on: one bad item never stalls a device."""

from __future__ import annotations

from fieldapp import incoming
from fieldapp.crypto import envelope
from fieldapp.errors import DiskFull
from fieldapp.membership import held_roster
from fieldapp.records import transaction
from fieldapp.store.db import DatabaseError, is_disk_full

from . import protocol as p
from .errors import ServerRefused, ServerUnreachable, reason_of
from .session import SyncSession

PAGE = 500
# Put aside only until something arrives: a key packet, a sender's approval, the
# assignment a translation answers (another coordinator's may come after it).
RETRIED = ("UnknownEpoch%", "EnvelopeBadSignature%", "SenderNotApproved%")
# Tried apart, the newest first and a bounded number: a translator could put any number
# of these aside, and they must not crowd out the keys and senders above.
RETRIED_UNTIL_ASSIGNED = "NotAllowed(reason=not assigned to this translator)"


def _item_failed(exc: Exception) -> None:
    """Re-raise what is not the item's fault (a full disk); anything else quarantines it."""
    if isinstance(exc, DiskFull) or (isinstance(exc, DatabaseError) and is_disk_full(exc)):
        raise DiskFull() from exc


class Pull(SyncSession):
    """Receiving the changes feed."""

    def _checkpoint(self) -> int:
        row = self.conn.execute("SELECT seq FROM pull_checkpoint WHERE project_id = ?",
                                (self.member.project_id,)).fetchone()
        return int(row[0]) if row else 0

    def pull(self) -> None:
        """Apply the changes feed page by page; the checkpoint moves with each commit.
        A page that does not get through is asked again smaller."""
        since = self._checkpoint()
        limit, failures = PAGE, 0
        while True:
            self.transport.check_cancel()
            try:
                answer = self.transport.request("GET", f"{p.API}/changes",
                                                params={"since": since, "limit": limit})
                frames = list(p.iter_changes(answer.content))
            except (ServerUnreachable, ValueError) as exc:
                failures += 1
                if limit == 1 and failures > 3:
                    if isinstance(exc, ServerUnreachable):
                        raise
                    raise ServerUnreachable(reason="broken changes feed") from None
                limit = max(1, limit // 8)
                continue
            failures = 0
            self._roster_news(answer.headers.get(p.HEADER_ROSTER, ""))
            next_since = int(answer.headers.get(p.HEADER_NEXT, since))
            self.apply_frames(frames, next_since, source="server")
            self._progress(self.report.received, self.report.received, "pull")
            if answer.headers.get(p.HEADER_MORE) != "1" or next_since <= since:
                break
            since = next_since

    def _roster_news(self, counter: str) -> None:
        """The feed says which roster is the latest: fetch it when it is newer than the
        one held (a device approved or revoked since), before applying the page."""
        held = held_roster(self.conn, self.member.project_id)
        if counter.isdigit() and int(counter) > (held.counter if held else 0):
            self.refresh_roster(force=True)

    def apply_frames(self, frames: list[tuple[int, bytes]], next_since: int | None, *,
                     source: str, refresh: bool = True) -> None:
        """Apply (seq, bytes) frames in one transaction, each all-or-nothing; key packets
        before envelopes. ``next_since`` (server) is stored in the same commit.
        ``refresh`` asks the server for unknown senders (not for bundles: offline)."""
        if refresh:
            self._ensure_senders(frames)
        with transaction(self.conn):
            for seq, data in frames:
                self.conn.execute("SAVEPOINT item")
                try:
                    self._apply_one(data, seq=seq if source == "server" else None,
                                    source=source)
                except Exception as exc:  # noqa: BLE001 - one bad item is put aside, never more
                    self.conn.execute("ROLLBACK TO item")
                    _item_failed(exc)
                    incoming.quarantine(self.conn, data, reason_of(exc), source=source,
                                        seq=seq, sender=self.keys.sender_of(data),
                                        actor=self.vault.pseudonym)
                    self.report.quarantined += 1
                self.conn.execute("RELEASE item")
            if next_since is not None:
                self.conn.execute(
                    "INSERT INTO pull_checkpoint (project_id, seq, updated_at) VALUES "
                    "(?, ?, datetime('now')) ON CONFLICT (project_id) DO UPDATE SET "
                    "seq = max(seq, excluded.seq), updated_at = excluded.updated_at",
                    (self.member.project_id, next_since))

    def retry_quarantined(self, limit: int = 500) -> int:
        """Try again the items put aside only because a key or a sender was not known yet
        (a key packet from a device that joined after our last directory refresh, and the
        envelopes of its epoch), or an assignment (a translation that came before another
        coordinator's assignment it answers). Forged items fail again and stay aside."""
        rows = self.conn.execute(
            "SELECT id, seq, envelope, source FROM quarantine WHERE source IN ('server', "
            "'bundle') AND (reason LIKE ? OR reason LIKE ? OR reason LIKE ?) "
            "ORDER BY substr(envelope, 1, 1) DESC, seq, id LIMIT ?",
            (*RETRIED, limit)).fetchall()
        rows += self.conn.execute(
            "SELECT id, seq, envelope, source FROM quarantine WHERE source IN ('server', "
            "'bundle') AND reason = ? ORDER BY id DESC LIMIT ?",
            (RETRIED_UNTIL_ASSIGNED, max(1, limit // 5))).fetchall()
        if not rows:
            return 0
        recovered = 0
        for row_id, seq, data, source in rows:
            data = bytes(data)
            with transaction(self.conn):
                self.conn.execute("SAVEPOINT again")
                try:
                    self._apply_one(data, seq=seq if source == "server" else None,
                                    source=source)
                except Exception as exc:  # noqa: BLE001 - still refused: it stays aside
                    self.conn.execute("ROLLBACK TO again")
                    self.conn.execute("RELEASE again")
                    _item_failed(exc)
                    continue
                self.conn.execute("RELEASE again")
                self.conn.execute("DELETE FROM quarantine WHERE id = ?", (row_id,))
                recovered += 1
        return recovered

    def _ensure_senders(self, frames: list[tuple[int, bytes]]) -> None:
        """Ask for the roster once if a key packet comes from a device not approved yet."""
        for _seq, data in frames:
            if data[:1] == bytes((envelope.TYPE_KEY_PACKET,)):
                try:
                    sender = envelope.parse_key_packet(data).sender
                except envelope.EnvelopeError:
                    continue
                if self.keys.sign_public(sender) is None:
                    try:
                        self.refresh_roster(force=True)
                    except (ServerUnreachable, ServerRefused):
                        pass
                    return

    def _apply_one(self, data: bytes, *, seq: int | None, source: str) -> None:
        """Open, authorize and apply one frame. ``seq`` is the server's sequence number
        (None for a bundle): items of a revoked device count only up to its cut-off."""
        if data[:1] == bytes((envelope.TYPE_KEY_PACKET,)):
            self.keys.accept_key_packet(data)
            return
        sender, item = self.keys.open_item(data)
        if incoming.apply_item(self.conn, item, sender=sender, seq=seq, source=source,
                               project_id=self.member.project_id,
                               actor=self.vault.pseudonym) and sender != self.member.device_id:
            self.report.received += 1
