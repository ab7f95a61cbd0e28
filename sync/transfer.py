"""Attachment files, both ways, as their encrypted bytes (never decrypted for the trip):
up in chunks of at most 256 KiB with the tus protocol (an interrupted upload asks the server
for the confirmed offset with HEAD and continues from there), down with ``Range`` resumes;
SHA-256 checked end to end."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx

from fieldapp import attachments, incoming, outbox
from fieldapp.errors import DiskFull
from fieldapp.fsutil import FILE_MODE, fsync_dir, write_all

from . import protocol as p
from .errors import ServerRefused, ServerUnreachable, SyncCancelled, reason_of
from .session import SyncSession
from .transport import GiveUp


class AttachmentTransfer(SyncSession):
    """Uploading and downloading attachment files."""

    # Progress of the files of one push, in bytes: what earlier files of this push
    # delivered, and the size of them all (0: report each file on its own).
    media_done = 0
    media_total = 0

    def _upload_media(self, oid: int, att_id: str) -> bool:
        """Upload one attachment file; True once the server confirmed every byte."""
        row = self.conn.execute("SELECT epoch_id, state FROM outbox WHERE kind = "
                                "'attachment' AND ref = ?", (att_id,)).fetchone()
        if row is None or row[1] != "sent" or not row[0]:
            outbox.mark_failed(self.conn, oid, "description not sent yet")
            return False
        path = attachments.sealed_file(self.vault, att_id).path
        try:
            receipt = self.upload_file(path, row[0])
        except (ServerUnreachable, ServerRefused, OSError) as exc:
            outbox.mark_failed(self.conn, oid, reason_of(exc), final=True)
            return False
        if isinstance(receipt, p.Receipt):
            return bool(self._accept_receipt(oid, receipt))
        # complete on the server, but its signed receipt was lost with the link
        outbox.mark_sent(self.conn, oid, receipt, self.vault.pseudonym)
        self.report.sent += 1
        return True

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
                if self.media_total:
                    self._progress(self.media_done + offset, self.media_total, "upload")
                else:
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
    def fetch_attachments(self) -> None:
        """Download the encrypted files of arrived attachments (resuming), check them
        end to end, then make them real attachments."""

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
                self.report.reasons.append(reason_of(exc))
                continue
            except ServerUnreachable as exc:
                self.report.download_errors += 1
                self.report.reasons.append(reason_of(exc))
                continue
            except DiskFull:
                raise
            except Exception as exc:  # noqa: BLE001 - a damaged file or key: put aside
                final.unlink(missing_ok=True)
                incoming.refuse_attachment(self.conn, item, reason_of(exc),
                                           actor=self.vault.pseudonym)
                self.report.quarantined += 1
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
        transport = self.transport
        if transport.down:
            raise ServerUnreachable(reason=str(transport.down_reason))
        headers = {"Authorization": f"Bearer {self.member.device_token}"}
        if have:
            headers["Range"] = f"bytes={have}-"

        def fetch(gate: GiveUp) -> bool:
            with transport.client.stream("GET", f"{p.API}/blobs/{sha}",
                                         headers=headers) as answer:
                transport.answered()
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
            transport.no_answer(type(exc).__name__)  # raises once the server is silent
            raise ServerUnreachable(reason=type(exc).__name__) from None

