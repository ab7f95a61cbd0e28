"""Push: the outbox up. Text first (record versions, reviews, translations,
assignments), then attachment descriptions with their thumbnails, then full media
(`sync.transfer`) — skipped with ``text_only`` or when the data budget would be exceeded.

Each outbox item is sealed once and the same bytes are re-sent on every retry, so the
server's idempotent PUT answers "duplicate" instead of storing twice. Each state is honest:
pending until the server's signed receipt is verified and stored (then *sent*, receipt in
the audit log), *failed* with a reason when the attempts ran out or the server refused.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fieldapp import attachments, outbox
from fieldapp.errors import FieldappError
from fieldapp.records import transaction

from . import protocol as p
from .errors import ServerUnreachable, reason_of
from .session import SyncSession

BATCH_BYTES = 1024 * 1024
MIN_BATCH = 2048


class Push(SyncSession):
    """Sending the outbox."""

    def _sealed(self, oid: int, kind: str, ref: str) -> tuple[bytes, str]:
        """The envelope of an outbox row, sealed once and kept."""
        row = self.conn.execute("SELECT envelope, epoch_id FROM outbox WHERE id = ?",
                                (oid,)).fetchone()
        if row[0] is not None:
            return bytes(row[0]), str(row[1])
        item = outbox.outbox_item(self.conn, kind, ref)
        if kind == "attachment":
            item.update(self._blob_facts(ref))
        with transaction(self.conn):
            sealed, epoch = self.keys.seal_item(item)
            self.conn.execute("UPDATE outbox SET envelope = ?, epoch_id = ? WHERE id = ?",
                              (sealed, epoch.epoch_id, oid))
        return sealed, epoch.epoch_id

    def _blob_facts(self, att_id: str) -> dict[str, Any]:

        sealed = attachments.sealed_file(self.vault, att_id)
        digest = hashlib.sha256()
        size = 0
        with sealed.path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                size += len(block)
        return {"blob_sha256": digest.hexdigest(), "blob_size": size}

    def _sealed_size(self, att_id: str) -> int:
        try:
            return attachments.sealed_file(self.vault, att_id).path.stat().st_size
        except (FieldappError, OSError):
            return 0

    def push(self) -> None:
        """Send every pending text item (then media unless text-only)."""
        outbox.enqueue_unsent(self.conn)
        queue = outbox.pending(self.conn, text_only=self.text_only)
        media = [q for q in queue if q[1] == "media"]
        items: list[tuple[int, bytes, str]] = []
        for oid, kind, ref, _size in queue:
            if kind == "media":
                continue
            self.transport.check_cancel()
            try:
                sealed, epoch_id = self._sealed(oid, kind, ref)
            except (FieldappError, ValueError) as exc:
                outbox.mark_failed(self.conn, oid, reason_of(exc), final=True)
                continue
            items.append((oid, sealed, epoch_id))
        self._push_text(items, len(items))
        # Files: progress in bytes of them all, moving only when the server confirms bytes
        # (a file that fails adds nothing: no 100 % while nothing moved).
        sizes = {ref: self._sealed_size(ref) for _o, _k, ref, _s in media}
        self.media_done, self.media_total = 0, sum(sizes.values())
        for oid, _kind, ref, size in media:
            self.transport.check_cancel()
            if self._over_budget(size):
                outbox.mark_failed(self.conn, oid, "data budget reached")
                self.report.reasons.append("data budget reached")
                continue
            if self._upload_media(oid, ref):
                self.media_done += sizes[ref]
                self._progress(self.media_done, self.media_total, "upload")

    def _push_text(self, items: list[tuple[int, bytes, str]], total: int) -> int:
        """Send sealed items in batches; a batch that does not get through is split
        (a poor link carries small requests better), a single item that does not get
        through is marked failed; after two such in a row the rest waits for next time."""
        limit, done, i, lost = BATCH_BYTES, 0, 0, 0
        while i < len(items):
            self.transport.check_cancel()
            batch, size, seen = [], 0, set()
            for oid, sealed, epoch_id in items[i:]:
                frames = len(batch) + len(seen | {epoch_id})  # with a key packet per epoch
                if batch and (size + len(sealed) > limit or frames >= p.MAX_PUSH_ITEMS):
                    break
                batch.append((oid, sealed, epoch_id))
                seen.add(epoch_id)
                size += len(sealed)
            epochs = sorted({e for _o, _s, e in batch} - self._packets_pushed)
            packets = [ep.packet for ep in map(self.keys.epoch, epochs) if ep and ep.packet]
            sent = self._push_batch(packets, [(o, s) for o, s, _e in batch])
            if sent is None and len(batch) > 1 and limit > MIN_BATCH:
                limit = max(MIN_BATCH, limit // 4)
                continue
            if sent is None:
                lost += 1
                reason = self._last_failure
                for oid, _s, _e in batch:
                    outbox.mark_failed(self.conn, oid, reason, final=True)
                i += len(batch)
                if lost >= 2:
                    for oid, _s, _e in items[i:]:
                        outbox.mark_failed(self.conn, oid, reason, final=True)
                    break
                continue
            lost = 0
            self._packets_pushed.update(epochs)
            i += len(batch)
            done += len(batch)
            self._progress(done, total, "text")
        return done

    def _push_batch(self, packets: list[bytes], batch: list[tuple[int, bytes]]) -> int | None:
        """One POST /v1/push; the number of items confirmed, None when it did not get
        through (nothing marked: the caller decides)."""
        body = p.frame_items([*packets, *[b for _o, b in batch]])
        if self._over_budget(len(body)):
            for oid, _b in batch:
                outbox.mark_failed(self.conn, oid, "data budget reached")
            self.report.reasons.append("data budget reached")
            return 0
        try:
            answer = self.transport.request(
                "POST", f"{p.API}/push", content=body,
                headers={"Content-Type": "application/octet-stream"})
        except ServerUnreachable as exc:
            self._last_failure = reason_of(exc)
            return None
        results = p.PushResults.model_validate(answer.json()).results
        by_index = {r.index: r for r in results}
        with transaction(self.conn):  # one commit for the whole batch's receipts
            return self._record_results(packets, batch, by_index)

    def _record_results(self, packets: list[bytes], batch: list[tuple[int, bytes]],
                        by_index: dict[int, p.PushResult]) -> int:
        sent = 0
        for n, (oid, _b) in enumerate(batch, start=len(packets)):
            result = by_index.get(n)
            if result is None:
                outbox.mark_failed(self.conn, oid, "no answer for this item")
            elif result.status in ("stored", "duplicate") and result.receipt is not None:
                sent += self._accept_receipt(oid, result.receipt)
            else:
                code = result.code or result.status
                outbox.mark_failed(self.conn, oid, f"refused by the server ({code})", final=True)
        return sent
