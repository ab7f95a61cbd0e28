"""The wire protocol shared by the sync client and the central server (version 2).

JSON bodies are pydantic v2 models (unknown fields refused). Envelopes and key packets
travel as raw bytes (``application/octet-stream``), never re-encoded, so what the server
stores and signs a receipt for is exactly what the sender signed. Frames (push batches,
the changes feed) are concatenations of ``u32 length | bytes`` or
``u64 seq | u32 length | bytes`` in network byte order. See ``docs/PROTOCOL.md``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# 2: envelopes of format 2 (item id in clear instead of record id, version and section;
# docs/ENVELOPE.md), frames per push and answer size capped. Paths stay under /v1.
PROTOCOL_VERSION = 2
API = "/v1"

# --- limits -------------------------------------------------------------------------------
MAX_ENVELOPE = 1 << 20            # one envelope or key packet
MAX_PUSH_BODY = 8 << 20           # one POST /v1/push batch
MAX_PUSH_ITEMS = 1000             # frames in one POST /v1/push (more: 413 too_many_items)
MAX_PUSH_ANSWER = 1 << 20         # the JSON answer to one push stays below this
MAX_JSON_BODY = 64 << 10          # any JSON request
MAX_ROSTER = 4 << 20              # one roster statement (same as fieldapp.roster)
MAX_ATTACHMENT = 2 << 30          # one attachment blob (ciphertext)
MAX_CHUNK = 8 << 20               # one tus PATCH
RECOMMENDED_CHUNK_SLOW = 256 << 10
MAX_CHANGES_LIMIT = 1000
MAX_INVITE_SECONDS = 30 * 24 * 3600
TUS_VERSION = "1.0.0"

Role = Literal["coordinator", "monitor", "translator"]
Suite = Literal["MLKEM768_X25519", "X25519"]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
B64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$", max_length=4096)]
Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,100}$")]
ProjectId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{32,36}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def b64(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Bytes of standard base64 ``text`` (ValueError when invalid)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def device_id_of(suite: str, sign_public: bytes, kem_public: bytes) -> str:
    """A device's id: 16 hex characters of SHA-256 over its public keys.

    Same rule as ``PublicIdentity.key_id`` in fieldapp.crypto.keys; the server checks it,
    so a device id names exactly one key set.
    """
    material = suite.encode() + b"\x00" + sign_public + kem_public
    return hashlib.sha256(material).hexdigest()[:16]


# --- errors -------------------------------------------------------------------------------
class ErrorBody(_Model):
    """Every 4xx/5xx answer: a stable machine ``code`` and an English ``message``."""

    code: str
    message: str


# --- devices and projects ---------------------------------------------------------------
class DeviceKeys(_Model):
    """A device's public keys as it announces them (base64)."""

    device_id: DeviceId
    suite: Suite
    sign_public: B64
    kem_public: B64
    pseudonym: Name


class DeviceInfo(_Model):
    device_id: DeviceId
    role: Role
    pseudonym: str
    suite: Suite
    sign_public: B64
    kem_public: B64
    joined_at: int  # unix seconds
    revoked_at: int | None = None


class DeviceList(_Model):
    devices: list[DeviceInfo]


class Limits(_Model):
    max_envelope: int = MAX_ENVELOPE
    max_push_body: int = MAX_PUSH_BODY
    max_push_items: int = MAX_PUSH_ITEMS
    max_attachment: int = MAX_ATTACHMENT
    max_chunk: int = MAX_CHUNK
    recommended_chunk_slow: int = RECOMMENDED_CHUNK_SLOW


class ProjectInfo(_Model):
    project_id: ProjectId
    name: Name
    suite: Suite
    project_sign_public: B64
    coordinators: list[DeviceInfo]


class ServerInfo(_Model):
    """GET /v1/server: what a client checks before talking (no auth)."""

    protocol: int = PROTOCOL_VERSION
    server_sign_public: B64
    registered: bool
    limits: Limits = Limits()
    # SHA-256 of the served certificate's public key (sync.tls), None over plain HTTP. A
    # coordinator may read it here, but trust comes from the pin printed on the console.
    tls_pin: str | None = None


class ProjectRegistration(_Model):
    """POST /v1/projects: first coordinator registers the project, once."""

    bootstrap_token: Token
    project_id: ProjectId
    name: Name
    suite: Suite
    project_sign_public: B64
    device: DeviceKeys


class Enrolled(_Model):
    """Answer to registration and join: the device's bearer token (shown once)."""

    device_id: DeviceId
    role: Role
    token: Token
    project: ProjectInfo
    server_sign_public: B64


class InviteCreate(_Model):
    """POST /v1/invites (coordinator)."""

    role: Role
    expires_in: Annotated[int, Field(ge=60, le=MAX_INVITE_SECONDS)] = 7 * 24 * 3600


class InviteCreated(_Model):
    invite_id: Hex32
    role: Role
    token: Token  # one time; the server keeps only its hash
    expires_at: int
    project: ProjectInfo
    server_sign_public: B64


class JoinRequest(_Model):
    """POST /v1/join."""

    invite_token: Token
    device: DeviceKeys


class Directory(_Model):
    """GET /v1/directory: active devices this device may encrypt to."""

    devices: list[DeviceInfo]


# --- receipts -----------------------------------------------------------------------------
ItemType = Literal["envelope", "keypacket", "blob"]


class Receipt(_Model):
    """The server's signed proof that it stored an item (kept in the sender's audit log)."""

    seq: int
    received_at: int  # unix milliseconds
    item: ItemType
    key: str  # envelope: item id (64 hex); keypacket: epoch id; blob: sha256
    sha256: Hex64
    signature: B64

    def message(self) -> bytes:
        """The exact bytes the server signs."""
        return receipt_message(self.seq, self.received_at, self.item, self.key, self.sha256)

    def verify(self, server_sign_public: bytes) -> bool:
        """True when the signature verifies under the server's Ed25519 key."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ed25519

        try:
            ed25519.Ed25519PublicKey.from_public_bytes(server_sign_public).verify(
                unb64(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True


def receipt_message(seq: int, received_at: int, item: str, key: str, sha256: str) -> bytes:
    """Canonical receipt bytes: ``fieldapp-receipt-v1`` and the fields, one per line."""
    return "\n".join(("fieldapp-receipt-v1", str(seq), str(received_at), item, key,
                      sha256)).encode("ascii")


PushStatus = Literal["stored", "duplicate", "conflict", "rejected"]


class PushResult(_Model):
    """One item of a push: stored (201), duplicate (200, same bytes), conflict (409),
    rejected (4xx; ``code`` says why)."""

    index: int
    status: PushStatus
    code: str | None = None
    receipt: Receipt | None = None


class PushResults(_Model):
    results: list[PushResult]


# --- frames -------------------------------------------------------------------------------
def batches(items: list[bytes], max_items: int = MAX_PUSH_ITEMS,
            max_body: int = MAX_PUSH_BODY) -> Iterator[list[bytes]]:
    """``items`` in order, cut into push batches the server takes (frame count and body
    size); key packets go before their envelopes, so earlier batches carry them."""
    batch: list[bytes] = []
    size = 0
    for data in items:
        if batch and (len(batch) >= max_items or size + 4 + len(data) > max_body):
            yield batch
            batch, size = [], 0
        batch.append(data)
        size += 4 + len(data)
    if batch:
        yield batch


def frame_items(items: list[bytes]) -> bytes:
    """A push batch body: each item as ``u32 length | bytes``."""
    return b"".join(struct.pack(">I", len(i)) + i for i in items)


class TooManyItems(ValueError):
    """A push batch holds more than `MAX_PUSH_ITEMS` frames."""


def iter_items(body: bytes, max_items: int | None = None) -> Iterator[bytes]:
    """Items of a push batch; ValueError when the framing is broken, `TooManyItems`
    past ``max_items`` frames."""
    pos = count = 0
    while pos < len(body):
        count += 1
        if max_items is not None and count > max_items:
            raise TooManyItems("too many frames")
        if pos + 4 > len(body):
            raise ValueError("truncated frame header")
        (n,) = struct.unpack(">I", body[pos:pos + 4])
        pos += 4
        if n > MAX_ENVELOPE or pos + n > len(body):
            raise ValueError("bad frame length")
        yield body[pos:pos + n]
        pos += n


def frame_change(seq: int, item: bytes) -> bytes:
    """One changes-feed frame: ``u64 seq | u32 length | bytes``."""
    return struct.pack(">QI", seq, len(item)) + item


def iter_changes(body: bytes) -> Iterator[tuple[int, bytes]]:
    """(seq, item bytes) of a changes-feed body; ValueError when the framing is broken."""
    pos = 0
    while pos < len(body):
        if pos + 12 > len(body):
            raise ValueError("truncated frame header")
        seq, n = struct.unpack(">QI", body[pos:pos + 12])
        pos += 12
        if pos + n > len(body):
            raise ValueError("bad frame length")
        yield seq, body[pos:pos + n]
        pos += n


# Response headers of GET /v1/changes
HEADER_NEXT = "X-Fieldapp-Next"
HEADER_MORE = "X-Fieldapp-More"
HEADER_ROSTER = "X-Fieldapp-Roster"  # the latest roster's counter (0: none)


def tus_metadata(pairs: dict[str, str]) -> str:
    """An ``Upload-Metadata`` header value (keys with base64 values)."""
    return ",".join(f"{k} {b64(v.encode())}" for k, v in pairs.items())


def parse_tus_metadata(value: str) -> dict[str, str]:
    """Parse ``Upload-Metadata``; ValueError when malformed."""
    out: dict[str, str] = {}
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        key, _, encoded = part.partition(" ")
        if not key or not key.isascii() or not key.isalnum() or key in out:
            raise ValueError("bad metadata key")
        out[key] = unb64(encoded.strip()).decode("utf-8") if encoded else ""
    return out


def checksum_header(chunk: bytes) -> str:
    """``Upload-Checksum`` value for ``chunk`` (tus checksum extension, sha256)."""
    return "sha256 " + b64(hashlib.sha256(chunk).digest())
