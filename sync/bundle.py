"""USB bundles: the outbox as one file, for a link made of someone's pocket.

A bundle holds exactly what a sync would push — the same key packets and envelopes
(already encrypted end to end), the encrypted files of attachments — plus
acknowledgements going back to other devices, under a manifest signed by the exporting
device. Layout::

    "FABN" | version 1 | u32 manifest length | manifest (canonical JSON)
    frames: u8 kind | u64 length | bytes            (kind 1 key packet, 2 envelope,
                                                      3 attachment file, 4 acks JSON)
    Ed25519 signature of the exporting device over everything before it   (64 bytes)

Importing on a joined device applies every item it may open (idempotently: a second
import changes nothing) and keeps a signed acknowledgement per item for the author;
uploading to the server (`upload_bundle`, any joined device) pushes the same bytes, so the
server's idempotent PUT stores each once, and keeps the server's receipts. The next bundle
exported from there carries those back; importing it marks the author's items *sent*.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
from pathlib import Path
from typing import Any

from fieldapp import audit, incoming, outbox
from fieldapp.crypto import envelope
from fieldapp.crypto.keys import verify_ed25519
from fieldapp.errors import FieldappError, UnreadableFile
from fieldapp.fsutil import FILE_MODE, atomic_write, fsync_dir
from fieldapp.jsonutil import canonical
from fieldapp.membership import identity_by_key_id, membership
from fieldapp.profile import Vault
from fieldapp.records import transaction

from . import protocol as p
from .errors import BundleRejected, ServerUnreachable
from .transport import Settings

MAGIC = b"FABN\x01"
FORMAT = "fieldapp-bundle-1"
KEYPACKET, ENVELOPE, BLOB, ACKS = 1, 2, 3, 4
_KINDS = {KEYPACKET: "keypacket", ENVELOPE: "envelope", BLOB: "blob", ACKS: "acks"}
MAX_BUNDLE = 4 << 30


def _frame(kind: int, data: bytes) -> bytes:
    return struct.pack(">BQ", kind, len(data)) + data


def _client(vault: Vault, settings: Settings | None = None):  # noqa: ANN202
    from .client import SyncClient

    return SyncClient(vault, settings=settings)


# --- export ---------------------------------------------------------------------------------
def export_bundle(vault: Vault, out: Path) -> int:
    """Write the outbox (everything not yet confirmed) and pending acknowledgements to
    ``out``; returns the number of items written."""
    from fieldapp import attachments

    member = membership(vault.conn)
    client = _client(vault)
    try:
        outbox.enqueue_unsent(vault.conn)
        frames: list[tuple[int, bytes, dict[str, Any]]] = []
        epochs: set[str] = set()
        for oid, kind, ref, _size in outbox.pending(vault.conn):
            if kind == "media":
                row = vault.conn.execute("SELECT epoch_id FROM outbox WHERE kind = "
                                         "'attachment' AND ref = ?", (ref,)).fetchone()
                if row is None or not row[0]:
                    continue
                data = attachments.sealed_file(vault, ref).path.read_bytes()
                frames.append((BLOB, data, {"epoch": row[0]}))
                continue
            try:
                sealed, epoch_id = client._sealed(oid, kind, ref)
            except (FieldappError, ValueError):
                continue
            epochs.add(epoch_id)
            frames.append((ENVELOPE, sealed, {}))
        packets = [client.keys.epoch(e) for e in sorted(epochs)]
        frames[:0] = [(KEYPACKET, ep.packet, {}) for ep in packets if ep and ep.packet]
        acks = [json.loads(r[0]) for r in vault.conn.execute(
            "SELECT ack FROM bundle_ack ORDER BY created_at")]
        if acks:
            frames.append((ACKS, canonical(acks), {}))
    finally:
        client.close()
    manifest = {"format": FORMAT, "project_id": member.project_id,
                "sender": member.device_id, "created_at": int(time.time()),
                "items": [{"kind": _KINDS[k], "sha256": hashlib.sha256(d).hexdigest(),
                           "size": len(d), **extra} for k, d, extra in frames]}
    head = canonical(manifest)
    body = b"".join([MAGIC, struct.pack(">I", len(head)), head,
                     *(_frame(k, d) for k, d, _e in frames)])
    identity = identity_by_key_id(vault.conn, member.key_id)
    atomic_write(Path(out), body + identity.sign(body))
    with transaction(vault.conn):
        audit.append(vault.conn, vault.pseudonym, "export", None,
                     {"bundle": len(frames), "sha256": hashlib.sha256(body).hexdigest()})
    return len(frames)


# --- reading --------------------------------------------------------------------------------
def read_bundle(vault: Vault, path: Path) -> tuple[dict[str, Any], list[tuple[int, bytes]]]:
    """The manifest and frames of a bundle, after checking the sender's signature, the
    project and every item's hash."""
    from .keyring import Keyring

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(path=str(path), reason=exc.strerror or "unreadable") from None
    if len(raw) < len(MAGIC) + 4 + 64 or not raw.startswith(MAGIC):
        raise BundleRejected(reason="not a fieldapp bundle")
    body, signature = raw[:-64], raw[-64:]
    pos = len(MAGIC)
    (length,) = struct.unpack(">I", body[pos:pos + 4])
    pos += 4
    try:
        manifest = json.loads(body[pos:pos + length])
    except ValueError:
        raise BundleRejected(reason="damaged") from None
    pos += length
    member = membership(vault.conn)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleRejected(reason="damaged")
    if manifest.get("project_id") != member.project_id:
        raise BundleRejected(reason="another project")
    keys = Keyring(vault.conn, member, identity_by_key_id(vault.conn, member.key_id))
    sender_key = keys.sign_public(str(manifest.get("sender")))
    if sender_key is None:
        raise BundleRejected(reason="unknown sender")
    if not verify_ed25519(sender_key, signature, body):
        raise BundleRejected(reason="signature")
    frames: list[tuple[int, bytes]] = []
    items = manifest.get("items") or []
    for entry in items:
        if pos + 9 > len(body):
            raise BundleRejected(reason="truncated")
        kind, size = struct.unpack(">BQ", body[pos:pos + 9])
        pos += 9
        data = body[pos:pos + size]
        pos += size
        if len(data) != size or hashlib.sha256(data).hexdigest() != entry.get("sha256") \
                or _KINDS.get(kind) != entry.get("kind"):
            raise BundleRejected(reason="damaged")
        frames.append((kind, data))
    if pos != len(body):
        raise BundleRejected(reason="damaged")
    return manifest, frames


# --- import ---------------------------------------------------------------------------------
def import_bundle(vault: Vault, path: Path) -> dict[str, int]:
    """Apply a bundle on this joined device (idempotent); returns counts."""
    manifest, frames = read_bundle(vault, path)
    member = membership(vault.conn)
    sender = str(manifest["sender"])
    client = _client(vault)
    before = vault.conn.execute("SELECT count(*) FROM applied").fetchone()[0]
    try:
        items = [(0, d) for k, d in frames if k in (KEYPACKET, ENVELOPE)]
        client.apply_frames(items, None, source="bundle", refresh=False)
        refused = client.report.quarantined
    finally:
        client.close()
    applied = vault.conn.execute("SELECT count(*) FROM applied").fetchone()[0] - before
    blobs = {hashlib.sha256(d).hexdigest(): d for k, d in frames if k == BLOB}
    _place_blobs(vault, blobs)
    with transaction(vault.conn):
        if sender != member.device_id:
            identity = identity_by_key_id(vault.conn, member.key_id)
            done = {r[0] for r in vault.conn.execute(
                "SELECT json_extract(item, '$.blob_sha256') FROM incoming_attachment "
                "WHERE state = 'done'")}
            for kind, data in frames:
                if kind == ENVELOPE or (kind == BLOB and hashlib.sha256(data).hexdigest()
                                        in done):
                    _keep_ack(vault, sender, _device_ack(identity, member.device_id, data))
        for kind, data in frames:
            if kind == ACKS:
                _take_acks(vault, json.loads(data), member)
        audit.append(vault.conn, vault.pseudonym, "import", None,
                     {"bundle_from": sender, "items": len(frames), "applied": applied})
    envelopes = sum(1 for k, _d in frames if k == ENVELOPE)
    return {"applied": applied, "known": max(0, envelopes - applied - refused),
            "refused": refused}


def _device_ack(identity: Any, device_id: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    at = int(time.time() * 1000)
    message = f"fieldapp-bundle-ack-v1\n{sha}\n{device_id}\n{at}".encode()
    return {"type": "device", "sha256": sha, "by": device_id, "at": at,
            "signature": p.b64(identity.sign(message))}


def _keep_ack(vault: Vault, sender: str, ack: dict[str, Any]) -> None:
    vault.conn.execute("INSERT OR IGNORE INTO bundle_ack (sha256, sender, kind, ack, "
                       "created_at) VALUES (?, ?, ?, ?, ?)",
                       (ack["sha256"], sender, ack["type"], json.dumps(ack, sort_keys=True),
                        audit.now()))


def _take_acks(vault: Vault, acks: Any, member: Any) -> None:
    """Acknowledgements of this device's items: verified, then the outbox says sent."""
    from .keyring import Keyring

    if not isinstance(acks, list):
        return
    keys = Keyring(vault.conn, member, identity_by_key_id(vault.conn, member.key_id))
    server_key = p.unb64(member.server_receipt_key) if member.server_receipt_key else b""
    wanted = {}
    for oid, data in vault.conn.execute("SELECT id, envelope FROM outbox WHERE state != "
                                        "'sent' AND envelope IS NOT NULL"):
        wanted[hashlib.sha256(bytes(data)).hexdigest()] = oid
    for oid, ref in vault.conn.execute("SELECT id, ref FROM outbox WHERE state != 'sent' "
                                       "AND kind = 'media'").fetchall():
        wanted[_file_sha(vault, ref)] = oid
    for ack in acks:
        if not isinstance(ack, dict) or ack.get("sha256") not in wanted:
            continue
        if ack.get("type") == "server":
            try:
                receipt = p.Receipt.model_validate(ack.get("receipt"))
            except ValueError:
                continue
            if receipt.sha256 != ack["sha256"] or not receipt.verify(server_key):
                continue
        else:
            by = str(ack.get("by"))
            message = f"fieldapp-bundle-ack-v1\n{ack['sha256']}\n{by}\n{ack.get('at')}".encode()
            key = keys.sign_public(by)
            try:
                good = key is not None and verify_ed25519(key, p.unb64(ack["signature"]),
                                                          message)
            except (ValueError, KeyError, TypeError):
                good = False
            if not good:
                continue
        oid = wanted.pop(ack["sha256"])
        vault.conn.execute("UPDATE outbox SET state = 'sent', reason = NULL, receipt = ?, "
                           "sent_at = ? WHERE id = ?",
                           (json.dumps(ack, sort_keys=True), audit.now(), oid))
        record = vault.conn.execute("SELECT record_id, kind, ref FROM outbox WHERE id = ?",
                                    (oid,)).fetchone()
        audit.append(vault.conn, vault.pseudonym, "receipt", record[0],
                     {"kind": record[1], "ref": record[2], "via": "bundle", "receipt": ack})


def _file_sha(vault: Vault, att_id: str) -> str:
    from fieldapp import attachments

    digest = hashlib.sha256()
    try:
        with attachments.sealed_file(vault, att_id).path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except (OSError, FieldappError):
        return ""
    return digest.hexdigest()


def _place_blobs(vault: Vault, blobs: dict[str, bytes]) -> None:
    """Attachment files carried in the bundle for attachments that arrived."""
    for item in incoming.waiting_attachments(vault.conn):
        data = blobs.get(str(item.get("blob_sha256")))
        if data is None:
            continue
        final = vault.files_dir / f"{item['id']}.stored"
        atomic_write(final, data)
        final.chmod(FILE_MODE)
        fsync_dir(final.parent)
        try:
            incoming.complete_attachment(vault.conn, item, vault.pseudonym)
        except FieldappError:
            final.unlink(missing_ok=True)


# --- upload ---------------------------------------------------------------------------------
def _upload_batch(vault: Vault, client: Any, sender: str, items: list[bytes],
                  counts: dict[str, int]) -> None:
    """One POST /v1/push of a bundle's items; the server's receipts kept as acks."""
    answer = client.transport.request(
        "POST", f"{p.API}/push", content=p.frame_items(items),
        headers={"Content-Type": "application/octet-stream"})
    results = p.PushResults.model_validate(answer.json()).results
    with transaction(vault.conn):
        for result in results:
            data = items[result.index]
            if result.status == "stored":
                counts["stored"] += 1
            elif result.status == "duplicate":
                counts["known"] += 1
            else:
                counts["refused"] += 1
                continue
            if data[0] == envelope.TYPE_ENVELOPE and result.receipt is not None:
                _keep_ack(vault, sender, {
                    "type": "server", "sha256": hashlib.sha256(data).hexdigest(),
                    "receipt": result.receipt.model_dump(mode="json")})


def upload_bundle(vault: Vault, path: Path, *,
                  settings: Settings | None = None) -> dict[str, int]:
    """Push a bundle's items to the server as they are (idempotent), keep the server's
    receipts to carry back; returns counts."""
    manifest, frames = read_bundle(vault, path)
    sender = str(manifest["sender"])
    client = _client(vault, settings)
    counts = {"stored": 0, "known": 0, "refused": 0}
    try:
        items = [d for k, d in frames if k in (KEYPACKET, ENVELOPE)]
        for batch in p.batches(items):  # in order: key packets reach the server first
            _upload_batch(vault, client, sender, batch, counts)
        blob_epochs = [e.get("epoch") for e in manifest["items"] if e.get("kind") == "blob"]
        for (_kind, data), epoch_id in zip([f for f in frames if f[0] == BLOB], blob_epochs,
                                           strict=True):
            tmp = vault.files_dir / f"bundle-{hashlib.sha256(data).hexdigest()}.part"
            atomic_write(tmp, data)
            try:
                receipt = client.upload_file(tmp, str(epoch_id))
                if isinstance(receipt, p.Receipt):
                    counts["stored"] += 1
                    with transaction(vault.conn):
                        _keep_ack(vault, sender, {
                            "type": "server", "sha256": receipt.sha256,
                            "receipt": receipt.model_dump(mode="json")})
                else:
                    counts["known"] += 1
            except ServerUnreachable:
                counts["refused"] += 1
            finally:
                tmp.unlink(missing_ok=True)
    finally:
        client.close()
    return counts
