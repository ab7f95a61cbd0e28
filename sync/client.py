"""The sync client (no Qt): push the outbox, pull the changes feed, move attachments.

Push order: text first (record versions, reviews, translations, assignments), then
attachment descriptions with their thumbnails, then full media — skipped with
``text_only`` or when the data budget would be exceeded. Each outbox item is sealed once
and the same bytes are re-sent on every retry, so the server's idempotent PUT answers
"duplicate" instead of storing twice. Each state is honest: pending until the server's
signed receipt is verified and stored (then *sent*, receipt in the audit log), *failed*
with a reason when the attempts ran out or the server refused.

Pull: the changes feed from the checkpoint; each page is applied in one transaction in
which every item is all-or-nothing (a savepoint) and the checkpoint advances in the same
commit. A tampered, truncated or wrongly-signed envelope is quarantined, never applied.

Attachments move as their encrypted files (never decrypted for the trip), in chunks of at
most 256 KiB with the tus protocol; an interrupted upload asks the server for the
confirmed offset (HEAD) and continues from there; downloads resume with ``Range``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from fieldapp import incoming, outbox
from fieldapp.crypto import envelope
from fieldapp.errors import FieldappError, ItemRejected
from fieldapp.fsutil import FILE_MODE, fsync_dir, write_all
from fieldapp.membership import Membership, identity_by_key_id, membership
from fieldapp.profile import Vault
from fieldapp.records import transaction

from . import protocol as p
from .enroll import DIRECTORY_SETTING, refresh_directory, transport_for
from .errors import DeviceRevoked, ServerRefused, ServerUnreachable, SyncCancelled
from .keyring import Keyring
from .transport import GiveUp, Settings, Transport

CHUNK = 256 * 1024
BATCH_BYTES = 1024 * 1024
DIRECTORY_MAX_AGE = 600.0
PUBLISHED_SETTING = "sync_coordinators_published"
MIN_BATCH = 2048
PAGE = 500
Progress = Callable[[int, int, str], None]


@dataclass
class Report:
    """What one sync did (printed by `fieldapp sync`, shown by the desktop app)."""

    sent: int = 0
    pending: int = 0
    failed: int = 0
    received: int = 0
    quarantined: int = 0
    attachments_received: int = 0
    attachments_waiting: int = 0
    download_errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    deferred: int = 0
    pulled: bool = True
    reasons: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return (self.pending == 0 and self.failed == 0 and self.pulled
                and self.download_errors == 0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "complete": self.complete}


class SyncClient:
    """One sync session for one unlocked vault."""

    def __init__(self, vault: Vault, *, settings: Settings | None = None,
                 text_only: bool = False, budget: int | None = None,
                 chunk_size: int = CHUNK, on_progress: Progress | None = None) -> None:
        self.vault = vault
        self.conn = vault.conn
        self.member: Membership = membership(self.conn)
        if self.member.revoked:
            raise DeviceRevoked()
        self.settings = settings or Settings()
        self.text_only = text_only
        self.budget = budget
        self.chunk_size = max(1024, min(chunk_size, p.MAX_CHUNK))
        self.on_progress = on_progress
        self.identity = identity_by_key_id(self.conn, self.member.key_id)
        self.keys = Keyring(self.conn, self.member, self.identity)
        self.server_key = p.unb64(self.member.server_receipt_key)
        self.report = Report()
        self._transport: Transport | None = None
        self._packets_pushed: set[str] = set()
        self._last_failure = ""

    @property
    def cancel(self) -> threading.Event:
        """Set it (from any thread) to stop at the next safe point."""
        return self.settings.cancel

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = transport_for(self.vault, self.settings)
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _progress(self, done: int, total: int, phase: str) -> None:
        if self.on_progress:
            self.on_progress(done, total, phase)

    def _spent(self) -> int:
        t = self._transport
        return (t.bytes_sent + t.bytes_received) if t else 0

    def _over_budget(self, extra: int) -> bool:
        return self.budget is not None and self._spent() + extra > self.budget

    # --- the whole thing ----------------------------------------------------------------
    def sync(self) -> Report:
        """Push, then pull, then fetch waiting attachments; returns the report. A link
        that fails is reported (reasons), not raised; a revoked device raises."""
        try:
            try:
                self.refresh_directory()
                self.publish_coordinators()
            except ServerUnreachable as exc:
                self.report.reasons.append(_reason(exc))
            self.push()
            try:
                self.pull()
                self.retry_quarantined()
                if not self.text_only:
                    self.fetch_attachments()
            except ServerUnreachable as exc:
                self.report.pulled = False
                self.report.reasons.append(_reason(exc))
        except DeviceRevoked:
            self._revoked()
        finally:
            self._count()
            if self._transport:
                self.report.bytes_sent = self._transport.bytes_sent
                self.report.bytes_received = self._transport.bytes_received
            self.close()
        return self.report

    def refresh_directory(self, *, force: bool = False) -> None:
        """Ask the server for the devices we may encrypt to; monitors and translators at
        most every `DIRECTORY_MAX_AGE` seconds (a round trip on a slow link), coordinators
        every time (they assign to newly joined translators)."""
        last = float(self.vault.setting(DIRECTORY_SETTING, "0") or 0)
        fresh = 0 <= time.time() - last < DIRECTORY_MAX_AGE
        if not force and fresh and not self.member.is_coordinator:
            return
        refresh_directory(self.vault, self.transport)
        with transaction(self.conn):
            self.vault.set_setting(DIRECTORY_SETTING, str(time.time()))
        self.member = membership(self.conn)
        self.keys.member = self.member
        self.keys.forget_peers()

    def publish_coordinators(self) -> bool:
        """On the device holding the project key: when the coordinators or the devices
        changed, send every device the list of coordinators signed with that key (how a
        monitor learns of a coordinator who joined after it)."""
        from .enroll import signed_coordinator_list

        if not self.member.is_coordinator:
            return False
        item = signed_coordinator_list(self.vault)
        if item is None:
            return False
        audience = outbox.audience(self.conn, self.member, item)
        digest = outbox.item_hash({"c": item["coordinators"], "to": audience})
        if self.vault.setting(PUBLISHED_SETTING) == digest:
            return False
        with transaction(self.conn):
            sealed, epoch = self.keys.seal_item(item)
        body = p.frame_items([epoch.packet, sealed])
        answer = self.transport.request("POST", f"{p.API}/push", content=body,
                                        headers={"Content-Type": "application/octet-stream"})
        results = p.PushResults.model_validate(answer.json()).results
        if not all(r.status in ("stored", "duplicate") for r in results):
            return False
        with transaction(self.conn):
            self.vault.set_setting(PUBLISHED_SETTING, digest)
        return True

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

    # --- push -----------------------------------------------------------------------------
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
        from fieldapp import attachments

        sealed = attachments.sealed_file(self.vault, att_id)
        digest = hashlib.sha256()
        size = 0
        with sealed.path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                size += len(block)
        return {"blob_sha256": digest.hexdigest(), "blob_size": size}

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
                outbox.mark_failed(self.conn, oid, _reason(exc), final=True)
                continue
            items.append((oid, sealed, epoch_id))
        total = len(items) + len(media)
        done = self._push_text(items, total)
        for oid, _kind, ref, size in media:
            self.transport.check_cancel()
            if self._over_budget(size):
                outbox.mark_failed(self.conn, oid, "data budget reached")
                self.report.reasons.append("data budget reached")
                continue
            self._upload_media(oid, ref)
            done += 1
            self._progress(done, total, "media")

    def _push_text(self, items: list[tuple[int, bytes, str]], total: int) -> int:
        """Send sealed items in batches; a batch that does not get through is split
        (a poor link carries small requests better), a single item that does not get
        through is marked failed; after two such in a row the rest waits for next time."""
        limit, done, i, lost = BATCH_BYTES, 0, 0, 0
        while i < len(items):
            self.transport.check_cancel()
            batch, size = [], 0
            for oid, sealed, epoch_id in items[i:]:
                if batch and size + len(sealed) > limit:
                    break
                batch.append((oid, sealed, epoch_id))
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
            self._last_failure = _reason(exc)
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

    def _accept_receipt(self, oid: int, receipt: p.Receipt) -> int:
        if not receipt.verify(self.server_key):
            outbox.mark_failed(self.conn, oid, "receipt signature does not verify", final=True)
            return 0
        outbox.mark_sent(self.conn, oid, receipt.model_dump(mode="json"),
                        self.vault.pseudonym)
        self.report.sent += 1
        return 1

    # --- attachments up ---------------------------------------------------------------------
    def _upload_media(self, oid: int, att_id: str) -> None:
        from fieldapp import attachments

        row = self.conn.execute("SELECT epoch_id, state FROM outbox WHERE kind = "
                                "'attachment' AND ref = ?", (att_id,)).fetchone()
        if row is None or row[1] != "sent" or not row[0]:
            outbox.mark_failed(self.conn, oid, "description not sent yet")
            return
        path = attachments.sealed_file(self.vault, att_id).path
        try:
            receipt = self.upload_file(path, row[0])
        except (ServerUnreachable, ServerRefused, OSError) as exc:
            outbox.mark_failed(self.conn, oid, _reason(exc), final=True)
            return
        if isinstance(receipt, p.Receipt):
            self._accept_receipt(oid, receipt)
        else:  # complete on the server, but its signed receipt was lost with the link
            outbox.mark_sent(self.conn, oid, receipt, self.vault.pseudonym)
            self.report.sent += 1

    def upload_file(self, path: Path, epoch_id: str) -> p.Receipt | dict[str, Any]:
        """Upload an encrypted file with tus, resuming from the server's offset after any
        cut; returns the server's signed receipt for the whole blob, or — when the server
        already had every byte but no receipt came back (the answer to the last chunk was
        cut) — an unsigned confirmation saying so."""
        data_len = path.stat().st_size
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        sha = digest.hexdigest()
        tus = {"Tus-Resumable": p.TUS_VERSION}
        created = self.transport.request(
            "POST", f"{p.API}/uploads", headers={
                **tus, "Upload-Length": str(data_len),
                "Upload-Metadata": p.tus_metadata({"sha256": sha, "epoch": epoch_id})})
        location = f"{p.API}/uploads/{sha}"
        if created.status_code == 200:
            return self._blob_receipt(created, sha)
        offset = 0
        cuts = 0
        with path.open("rb") as fh:
            while True:
                self.transport.check_cancel()
                if offset >= data_len:
                    head = self.transport.request("HEAD", location, headers=tus)
                    return self._blob_receipt(head, sha)
                fh.seek(offset)
                chunk = fh.read(min(self.chunk_size, data_len - offset))
                try:
                    answer = self.transport.request(
                        "PATCH", location, content=chunk, retry=False, headers={
                            **tus, "Content-Type": "application/offset+octet-stream",
                            "Upload-Offset": str(offset),
                            "Upload-Checksum": p.checksum_header(chunk)})
                except (ServerUnreachable, ServerRefused) as exc:
                    # the link broke (or the offset moved): ask where the server stands
                    cuts += 1
                    if cuts > self.settings.attempts * 20:
                        raise
                    if isinstance(exc, ServerRefused) and exc.params.get("status") not in (
                            409, 460):
                        raise
                    self.transport.wait(min(self.settings.backoff * cuts, 5.0))
                    head = self.transport.request("HEAD", location, headers=tus)
                    offset = int(head.headers.get("Upload-Offset", "0"))
                    continue
                offset = int(answer.headers.get("Upload-Offset", offset + len(chunk)))
                self._progress(offset, data_len, "upload")
                if offset >= data_len and answer.headers.get("Upload-Receipt"):
                    return self._blob_receipt(answer, sha)

    def _blob_receipt(self, answer: Any, sha: str) -> p.Receipt | dict[str, Any]:
        header = answer.headers.get("Upload-Receipt")
        if header:
            return p.Receipt.model_validate_json(base64.b64decode(header))
        if int(answer.headers.get("Upload-Offset", "-1")) < 0:
            raise ServerRefused(status=answer.status_code, code="no_receipt")
        return {"item": "blob", "key": sha, "sha256": sha, "signature": None,
                "confirmed": "the server holds every byte (no signed receipt came back)"}

    # --- pull -------------------------------------------------------------------------------
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
                        (source, seq, _reason(exc), data))
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

    # --- attachments down --------------------------------------------------------------------
    def fetch_attachments(self) -> None:
        """Download the encrypted files of arrived attachments (resuming), check them
        end to end, then make them real attachments."""
        from fieldapp import attachments

        waiting = incoming.waiting_attachments(self.conn)
        for n, item in enumerate(waiting):
            self.transport.check_cancel()
            size = int(item.get("blob_size") or 0)
            if self._over_budget(size):
                self.report.reasons.append("data budget reached")
                break
            sha = str(item.get("blob_sha256", ""))
            if len(sha) != 64:
                continue
            final = self.vault.files_dir / f"{item['id']}.stored"
            try:
                self._download(sha, final, size)
                incoming.complete_attachment(self.conn, item, self.vault.pseudonym)
                b"".join(attachments.read(self.vault, item["id"]))  # verifies the plaintext
            except SyncCancelled:
                raise  # the user's Cancel ends the sync; it is not a failed download
            except ServerRefused as exc:
                if exc.params.get("status") == 404:
                    continue  # not uploaded yet by its author (e.g. a text-only sync)
                self.report.download_errors += 1
                self.report.reasons.append(_reason(exc))
                continue
            except ServerUnreachable as exc:
                self.report.download_errors += 1
                self.report.reasons.append(_reason(exc))
                continue
            except FieldappError as exc:
                self.report.download_errors += 1
                self.report.reasons.append(_reason(exc))
                continue
            self.report.attachments_received += 1
            self._progress(n + 1, len(waiting), "download")

    def _download(self, sha: str, final: Path, size: int) -> None:
        """Fetch a blob into ``final`` (ciphertext), resuming a cut transfer with Range."""
        partial = final.with_name(final.name + ".part")
        failures = 0
        while True:
            self.transport.check_cancel()
            have = partial.stat().st_size if partial.exists() else 0
            if size and have >= size:
                break
            try:
                if not self._download_from(sha, partial, have):
                    break
            except ServerUnreachable:
                failures += 1
                if failures >= self.settings.attempts * 4:
                    raise
                self.transport.wait(min(self.settings.backoff * failures, 5.0))
        digest = hashlib.sha256()
        with partial.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != sha:
            partial.unlink(missing_ok=True)
            raise ServerRefused(status=200, code="blob_checksum")
        partial.chmod(FILE_MODE)
        partial.replace(final)
        fsync_dir(final.parent)

    def _download_from(self, sha: str, partial: Path, have: int) -> bool:
        """One GET streamed to disk; True when more may follow (it was cut).

        The GET runs in a thread of its own (``Transport.until_cancelled``): Cancel is heard
        within a fraction of a second even when the link stalls in the middle of the
        blob. Each block is written under the give-up gate, so once Cancel has been heard
        the ``.part`` file holds whole blocks that arrived, nothing later; a resume asks
        for the rest with Range."""
        headers = {"Authorization": f"Bearer {self.member.device_token}"}
        if have:
            headers["Range"] = f"bytes={have}-"
        transport = self.transport

        def fetch(gate: GiveUp) -> bool:
            with transport.client.stream("GET", f"{p.API}/blobs/{sha}",
                                         headers=headers) as answer:
                if answer.status_code == 416:
                    return False
                if answer.status_code not in (200, 206):
                    answer.read()
                    if answer.status_code in (429, 500, 502, 503, 504):
                        raise ServerUnreachable(reason=f"HTTP {answer.status_code}")
                    raise ServerRefused(status=answer.status_code, code="")
                resumed = answer.status_code == 206   # else the whole blob, from byte 0
                flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if resumed else os.O_TRUNC)
                with gate.lock:
                    if gate.given_up:
                        return False
                    fd = os.open(partial, flags, FILE_MODE)
                try:
                    for block in answer.iter_bytes():
                        with gate.lock:
                            if gate.given_up:
                                return False  # what arrived stays; a resume continues
                            write_all(fd, block)
                        transport.bytes_received += len(block)
                    with gate.lock:
                        if not gate.given_up:
                            os.fsync(fd)
                finally:
                    os.close(fd)
            return False

        try:
            return transport.until_cancelled(fetch)
        except httpx.TransportError as exc:
            raise ServerUnreachable(reason=type(exc).__name__) from None


def _reason(exc: BaseException) -> str:
    """A short, non-sensitive reason for the outbox and the report."""
    if isinstance(exc, FieldappError):
        detail = ", ".join(f"{k}={v}" for k, v in exc.params.items())
        return f"{type(exc).__name__}({detail})" if detail else type(exc).__name__
    return type(exc).__name__


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
