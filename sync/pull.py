"""Pull: the changes feed from the checkpoint; each page is applied in one transaction in
which every item is all-or-nothing (a savepoint), and the checkpoint advances in the same
commit. A tampered, truncated or wrongly-signed envelope is quarantined, never applied."""

from __future__ import annotations

from fieldapp import incoming
from fieldapp.crypto import envelope
from fieldapp.errors import ItemRejected
from fieldapp.membership import membership
from fieldapp.records import transaction

from . import protocol as p
from .errors import ServerRefused, ServerUnreachable, reason_of
from .session import SyncSession

PAGE = 500


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
            next_since = int(answer.headers.get(p.HEADER_NEXT, since))
            self.apply_frames(frames, next_since, source="server")
            self._progress(self.report.received, self.report.received, "pull")
            if answer.headers.get(p.HEADER_MORE) != "1" or next_since <= since:
                break
            since = next_since

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
                    self._apply_one(data)
                except (envelope.EnvelopeError, ItemRejected, ValueError, KeyError,
                        TypeError) as exc:
                    self.conn.execute("ROLLBACK TO item")
                    self.conn.execute(
                        "INSERT INTO quarantine (received_at, source, seq, reason, envelope) "
                        "VALUES (datetime('now'), ?, ?, ?, ?)",
                        (source, seq, reason_of(exc), data))
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
        envelopes of its epoch). Forged items fail again and stay aside."""
        rows = self.conn.execute(
            "SELECT id, seq, envelope FROM quarantine WHERE source IN ('server', 'bundle') "
            "AND (reason LIKE 'UnknownEpoch%' OR reason LIKE 'EnvelopeBadSignature%') "
            "ORDER BY substr(envelope, 1, 1) DESC, seq, id LIMIT ?", (limit,)).fetchall()
        if not rows:
            return 0
        recovered = 0
        for row_id, _seq, data in rows:
            data = bytes(data)
            with transaction(self.conn):
                self.conn.execute("SAVEPOINT again")
                try:
                    self._apply_one(data)
                except (envelope.EnvelopeError, ItemRejected, ValueError, KeyError,
                        TypeError):
                    self.conn.execute("ROLLBACK TO again")
                    self.conn.execute("RELEASE again")
                    continue
                self.conn.execute("RELEASE again")
                self.conn.execute("DELETE FROM quarantine WHERE id = ?", (row_id,))
                recovered += 1
        return recovered

    def _ensure_senders(self, frames: list[tuple[int, bytes]]) -> None:
        """Refresh the directory once if a key packet comes from a device not known yet."""
        for _seq, data in frames:
            if data[:1] == bytes((envelope.TYPE_KEY_PACKET,)):
                try:
                    sender = envelope.parse_key_packet(data).sender
                except envelope.EnvelopeError:
                    continue
                if self.keys.sign_public(sender) is None:
                    try:
                        self.refresh_directory(force=True)
                    except (ServerUnreachable, ServerRefused):
                        pass
                    return

    def _apply_one(self, data: bytes) -> None:
        if data[:1] == bytes((envelope.TYPE_KEY_PACKET,)):
            self.keys.accept_key_packet(data)
            return
        sender, item = self.keys.open_item(data)
        if item["type"] == "coordinators":
            from .enroll import apply_coordinator_list

            if sender != self.member.device_id and not self.member.is_coordinator:
                apply_coordinator_list(self.vault, item)
                self.member = membership(self.conn)
                self.keys.member = self.member
                self.keys.forget_peers()
            return
        if incoming.apply_item(self.conn, item, sender=sender,
                            project_id=self.member.project_id,
                            actor=self.vault.pseudonym) and sender != self.member.device_id:
            self.report.received += 1
