"""Envelopes: one record version's section, compressed, encrypted and signed for sync.

The byte format is specified in ``docs/ENVELOPE.md`` (with test vectors). In short:

* A sender makes a **key epoch**: 32 random bytes (the epoch key), wrapped once with HPKE
  (RFC 9180) for each recipient device, in a signed **key packet**. One epoch serves one
  recipient set (sections with different audiences never share an epoch), so the
  1.1 KB hybrid wraps are paid once per epoch, not once per record.
* An **envelope** (format 2) holds a small clear header (format, suite, epoch id, item id,
  nonce), then AES-256-GCM ciphertext of the raw-DEFLATE-compressed inner plaintext
  (section, record id, version hash, kind, created_at, payload) under a content key
  derived with HKDF from the epoch key and the header, the header as AAD (the compressed
  plaintext padded with zeros to its Padmé length, so sizes say less); then the
  sender's Ed25519 signature over everything before it. The **item id** is a keyed hash
  of (record id, version hash, section) under a key derived from the epoch key: stable,
  so the server still answers "duplicate" and "conflict", but it shows no time and links
  no two records for anyone without the epoch key (the server never has it).

`open_envelope` verifies the signature first, then decrypts: a tampered, truncated or
forged envelope raises one of the typed errors below and yields nothing, never half a
record. This module is pure computation: no network, no disk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import FieldappError
from .filecipher import padme

# --- errors -----------------------------------------------------------------------------


class EnvelopeError(FieldappError):
    """An envelope or key packet cannot be accepted (reason)."""


class EnvelopeTampered(EnvelopeError):
    """Bytes were changed, or the structure is not a valid envelope (reason)."""


class EnvelopeTruncated(EnvelopeError):
    """The bytes end before the envelope does."""


class EnvelopeBadSignature(EnvelopeError):
    """The signature is missing or does not verify under the sender's key."""


EnvelopeUnsigned = EnvelopeBadSignature


class UnknownEpoch(EnvelopeError):
    """No key packet known for the envelope's epoch (epoch)."""


class NotARecipient(EnvelopeError):
    """This device is not among the recipients of the key packet (device)."""


# --- constants --------------------------------------------------------------------------

TYPE_ENVELOPE_V1 = 0x01  # record id, version hash and section in clear: no longer accepted
TYPE_KEY_PACKET = 0x02
TYPE_ENVELOPE = 0x03
SUITE_CLASSIC = "X25519"
SUITE_HYBRID = "MLKEM768_X25519"
_SUITE_CODES = {SUITE_CLASSIC: 1, SUITE_HYBRID: 2}
_SUITE_NAMES = {v: k for k, v in _SUITE_CODES.items()}
SECTIONS = ("record", "narrative", "identity", "review", "translation", "assignment",
            "attachment", "note", "glossary")
_SECTION_CODES = {name: i + 1 for i, name in enumerate(SECTIONS)}

EPOCH_ID_LEN = 16
EPOCH_KEY_LEN = 32
NONCE_LEN = 12
SIG_LEN = 64
TAG_LEN = 16
ITEM_ID_LEN = 32
HEADER_LEN = 2 + EPOCH_ID_LEN + ITEM_ID_LEN + NONCE_LEN  # 62
MAX_ENVELOPE = 1 << 20
MAX_PLAINTEXT = 16 << 20
MAX_DEVICE_ID = 64
MAX_RECIPIENTS = 1000
_X25519_LEN = 32
_MLKEM_PUBLIC_LEN = 1184
_MLKEM_SEED_LEN = 64
_WRAP_LEN = {SUITE_CLASSIC: 32 + EPOCH_KEY_LEN + TAG_LEN,
             SUITE_HYBRID: 1120 + EPOCH_KEY_LEN + TAG_LEN}
_IDENTITY_LEN = 1 + 16 + 32
_CONTENT_INFO = b"fieldapp/envelope/v2"
_ITEM_ID_INFO = b"fieldapp/item-id/v2"
_WRAP_INFO = b"fieldapp/epoch/v1"


class SigningDevice(Protocol):
    """What `seal` needs of the sender (fieldapp.crypto.keys.DeviceIdentity fits)."""

    sign_private: bytes


class ReceivingDevice(Protocol):
    """What `open_key_packet` needs of the recipient (DeviceIdentity fits)."""

    suite: str
    kem_private: bytes


# --- key encoding (same layout as fieldapp.crypto.keys) --------------------------------


def hpke_suite(suite: str) -> hpke.Suite:
    """HPKE suite for ``suite``: its KEM, HKDF-SHA256, AES-256-GCM."""
    if suite not in _SUITE_CODES:
        raise EnvelopeTampered(reason="unknown suite")
    kem = hpke.KEM.MLKEM768_X25519 if suite == SUITE_HYBRID else hpke.KEM.X25519
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _hpke_public(suite: str, kem_public: bytes) -> object:
    if suite == SUITE_CLASSIC:
        return x25519.X25519PublicKey.from_public_bytes(kem_public)
    if len(kem_public) != _MLKEM_PUBLIC_LEN + _X25519_LEN:
        raise ValueError("hybrid public key length")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(kem_public[:_MLKEM_PUBLIC_LEN]),
        x25519.X25519PublicKey.from_public_bytes(kem_public[_MLKEM_PUBLIC_LEN:]))


def _hpke_private(suite: str, kem_private: bytes) -> object:
    if suite == SUITE_CLASSIC:
        return x25519.X25519PrivateKey.from_private_bytes(kem_private)
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(kem_private[:_MLKEM_SEED_LEN]),
        x25519.X25519PrivateKey.from_private_bytes(kem_private[_MLKEM_SEED_LEN:]))


# --- data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPacket:
    """The public part of a key packet (what the server routes on)."""

    epoch_id: str  # 32 hex
    suite: str
    sender: str
    recipients: tuple[str, ...]
    wraps: Mapping[str, bytes] = field(repr=False)
    raw: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class Epoch:
    """A key epoch: its packet and, on the sender and its recipients, the epoch key."""

    epoch_id: str
    suite: str
    sender: str
    recipients: tuple[str, ...]
    key: bytes = field(repr=False)
    packet: bytes = field(repr=False)


@dataclass(frozen=True)
class EnvelopeHeader:
    """The clear, signed header of an envelope (routing metadata only): no record id,
    no section, no time."""

    suite: str
    epoch_id: str
    item_id: str  # 64 hex: keyed hash of (record id, version hash, section)
    nonce: bytes = field(repr=False)
    raw: bytes = field(repr=False)

    @property
    def key(self) -> str:
        """The idempotency key on the server: the item id."""
        return self.item_id

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class Opened:
    """An opened envelope: the header, the sender, and the decrypted contents (the real
    record id, version hash and section travel only inside the ciphertext)."""

    header: EnvelopeHeader
    sender: str
    record_id: str
    version_hash: str
    section: str
    kind: str
    created_at: int  # unix milliseconds
    payload: bytes = field(repr=False)


# --- helpers ----------------------------------------------------------------------------


def _device_id_bytes(device_id: str) -> bytes:
    data = device_id.encode("ascii", "strict") if device_id.isascii() else b""
    if not 0 < len(data) <= MAX_DEVICE_ID or not device_id.isprintable():
        raise ValueError("device id must be 1-64 printable ASCII characters")
    return data


def _wrap_info(epoch_id: bytes, sender: bytes, recipient: bytes) -> bytes:
    return b"\x00".join((_WRAP_INFO, epoch_id, sender, recipient))


def _content_key(epoch_key: bytes, header_fields: bytes) -> bytes:
    return HKDF(hashes.SHA256(), EPOCH_KEY_LEN, salt=None,
                info=_CONTENT_INFO + header_fields).derive(epoch_key)


def _verify(sign_public: bytes, signature: bytes, data: bytes) -> None:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(sign_public).verify(signature, data)
    except (InvalidSignature, ValueError):
        raise EnvelopeBadSignature() from None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise EnvelopeTruncated()
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])


def _ascii(data: bytes, what: str) -> str:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise EnvelopeTampered(reason=what) from None
    if not text or not text.isprintable():
        raise EnvelopeTampered(reason=what)
    return text


# --- key epochs -------------------------------------------------------------------------


def new_epoch(sender_id: str, sender: SigningDevice, recipients: Mapping[str, bytes],
              suite: str, *, epoch_key: bytes | None = None,
              epoch_id: bytes | None = None) -> Epoch:
    """Make a key epoch for ``recipients`` (device id → HPKE public key bytes).

    ``epoch_key``/``epoch_id`` may be injected for test vectors; HPKE itself always uses
    fresh randomness, so the wraps differ between runs.
    """
    if suite not in _SUITE_CODES:
        raise ValueError(f"unknown suite {suite!r}")
    if not 0 < len(recipients) <= MAX_RECIPIENTS:
        raise ValueError("an epoch needs 1 to 1000 recipients")
    key = epoch_key if epoch_key is not None else secrets.token_bytes(EPOCH_KEY_LEN)
    eid = epoch_id if epoch_id is not None else secrets.token_bytes(EPOCH_ID_LEN)
    if len(key) != EPOCH_KEY_LEN or len(eid) != EPOCH_ID_LEN:
        raise ValueError("epoch key is 32 bytes, epoch id 16 bytes")
    sender_b = _device_id_bytes(sender_id)
    hs = hpke_suite(suite)
    parts = [bytes((TYPE_KEY_PACKET, _SUITE_CODES[suite])), eid,
             bytes((len(sender_b),)), sender_b, struct.pack(">H", len(recipients))]
    for rid in sorted(recipients):
        rid_b = _device_id_bytes(rid)
        wrap = hs.encrypt(key, _hpke_public(suite, recipients[rid]),
                          info=_wrap_info(eid, sender_b, rid_b))
        parts += [bytes((len(rid_b),)), rid_b, wrap]
    body = b"".join(parts)
    signature = ed25519.Ed25519PrivateKey.from_private_bytes(sender.sign_private).sign(body)
    packet = body + signature
    return Epoch(eid.hex(), suite, sender_id, tuple(sorted(recipients)), key, packet)


def parse_key_packet(data: bytes) -> KeyPacket:
    """The structure of a key packet, without checking its signature."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EnvelopeTampered(reason="not bytes")
    data = bytes(data)
    r = _Reader(data)
    if r.u8() != TYPE_KEY_PACKET:
        raise EnvelopeTampered(reason="not a key packet")
    suite = _SUITE_NAMES.get(r.u8())
    if suite is None:
        raise EnvelopeTampered(reason="unknown suite")
    eid = r.take(EPOCH_ID_LEN)
    sender = _ascii(r.take(r.u8()), "sender")
    count = r.u16()
    if not 0 < count <= MAX_RECIPIENTS:
        raise EnvelopeTampered(reason="recipient count")
    wraps: dict[str, bytes] = {}
    order: list[str] = []
    for _i in range(count):
        rid = _ascii(r.take(r.u8()), "recipient")
        if rid in wraps or (order and rid <= order[-1]):
            raise EnvelopeTampered(reason="recipient order")
        wraps[rid] = r.take(_WRAP_LEN[suite])
        order.append(rid)
    r.take(SIG_LEN)
    if r.pos != len(data):
        raise EnvelopeTampered(reason="trailing bytes")
    return KeyPacket(eid.hex(), suite, sender, tuple(order), wraps, data)


def verify_key_packet(data: bytes, sign_public: bytes) -> KeyPacket:
    """Parse and check the sender's signature (the server does this at ingest)."""
    packet = parse_key_packet(data)
    _verify(sign_public, packet.raw[-SIG_LEN:], packet.raw[:-SIG_LEN])
    return packet


def open_key_packet(data: bytes, *, device_id: str, device: ReceivingDevice,
                    sender_sign_public: bytes) -> Epoch:
    """Verify a key packet, then unwrap the epoch key for ``device_id``."""
    packet = verify_key_packet(data, sender_sign_public)
    if device.suite != packet.suite:
        raise EnvelopeTampered(reason="suite")
    wrap = packet.wraps.get(device_id)
    if wrap is None:
        raise NotARecipient(device=device_id)
    info = _wrap_info(bytes.fromhex(packet.epoch_id), packet.sender.encode("ascii"),
                      device_id.encode("ascii"))
    try:
        key = hpke_suite(packet.suite).decrypt(
            wrap, _hpke_private(packet.suite, device.kem_private), info=info)
    except (InvalidTag, ValueError):
        raise EnvelopeTampered(reason="key wrap") from None
    return Epoch(packet.epoch_id, packet.suite, packet.sender, packet.recipients, key,
                 packet.raw)


# --- envelopes --------------------------------------------------------------------------


def _identity(section: str, record_id: str, version_hash: str) -> bytes:
    """section code ‖ record id (16) ‖ version hash (32): what the item id hashes."""
    if section not in _SECTION_CODES:
        raise ValueError(f"unknown section {section!r}")
    vh = bytes.fromhex(version_hash)
    if len(vh) != 32:
        raise ValueError("version hash is 64 hex characters")
    return bytes((_SECTION_CODES[section],)) + uuid.UUID(record_id).bytes + vh


def _item_id(epoch_key: bytes, identity: bytes) -> bytes:
    """HMAC-SHA256 of the item's identity under a key derived from the epoch key."""
    key = HKDF(hashes.SHA256(), 32, salt=None, info=_ITEM_ID_INFO).derive(epoch_key)
    return hmac.new(key, identity, hashlib.sha256).digest()


def item_id(epoch: Epoch, *, record_id: str, version_hash: str, section: str) -> str:
    """The item id (64 hex) an envelope of this record version and section has in
    ``epoch``: what the server stores it under."""
    return _item_id(epoch.key, _identity(section, record_id, version_hash)).hex()


def seal(epoch: Epoch, signer: SigningDevice, *, record_id: str, version_hash: str,
         section: str, kind: str, payload: bytes, created_at: int | None = None,
         nonce: bytes | None = None) -> bytes:
    """Compress, encrypt and sign ``payload``; returns the envelope bytes.

    ``record_id`` is a UUID, ``version_hash`` 64 hex characters, ``section`` one of
    `SECTIONS`, ``kind`` the record kind (kept inside the ciphertext, hidden from the
    server), ``created_at`` unix milliseconds (default now; also encrypted). ``nonce``
    may be injected for test vectors only.
    """
    kind_b = kind.encode("utf-8")
    if not 0 < len(kind_b) < 256:
        raise ValueError("kind must be 1-255 bytes")
    when = int(time.time() * 1000) if created_at is None else int(created_at)
    nonce = secrets.token_bytes(NONCE_LEN) if nonce is None else nonce
    if len(nonce) != NONCE_LEN:
        raise ValueError("nonce is 12 bytes")
    identity = _identity(section, record_id, version_hash)
    header = (bytes((TYPE_ENVELOPE, _SUITE_CODES[epoch.suite])) + bytes.fromhex(epoch.epoch_id)
              + _item_id(epoch.key, identity) + nonce)
    inner = (identity + bytes((len(kind_b),)) + kind_b + struct.pack(">q", when)
             + bytes(payload))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = packer.compress(inner) + packer.flush()
    compressed += bytes(padme(len(compressed)) - len(compressed))  # zeros after the stream
    key = _content_key(epoch.key, header[:HEADER_LEN - NONCE_LEN])
    body = header + AESGCM(key).encrypt(nonce, compressed, header)
    if len(body) + SIG_LEN > MAX_ENVELOPE:
        raise ValueError("envelope larger than 1 MiB: send it as an attachment")
    signature = ed25519.Ed25519PrivateKey.from_private_bytes(signer.sign_private).sign(body)
    return body + signature


def parse_envelope(data: bytes) -> EnvelopeHeader:
    """The header of an envelope, without any cryptographic check (for routing)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EnvelopeTampered(reason="not bytes")
    data = bytes(data)
    if len(data) > MAX_ENVELOPE:
        raise EnvelopeTampered(reason="too large")
    if not data:
        raise EnvelopeTruncated()
    if data[0] == TYPE_ENVELOPE_V1:
        raise EnvelopeTampered(reason="old envelope format")
    if data[0] != TYPE_ENVELOPE:
        raise EnvelopeTampered(reason="not an envelope")
    if len(data) < HEADER_LEN + TAG_LEN + SIG_LEN:
        raise EnvelopeTruncated()
    suite = _SUITE_NAMES.get(data[1])
    if suite is None:
        raise EnvelopeTampered(reason="unknown suite")
    eid = data[2:2 + EPOCH_ID_LEN].hex()
    iid = data[2 + EPOCH_ID_LEN:2 + EPOCH_ID_LEN + ITEM_ID_LEN].hex()
    nonce = data[HEADER_LEN - NONCE_LEN:HEADER_LEN]
    return EnvelopeHeader(suite, eid, iid, nonce, data)


def verify_envelope(data: bytes, sign_public: bytes) -> EnvelopeHeader:
    """Parse and check the sender's signature (the server does this at ingest)."""
    header = parse_envelope(data)
    _verify(sign_public, header.raw[-SIG_LEN:], header.raw[:-SIG_LEN])
    return header


EpochLookup = Mapping[str, Epoch] | Callable[[str], Epoch | None]
KeyLookup = Mapping[str, bytes] | Callable[[str], bytes | None]


def _lookup(table: EpochLookup | KeyLookup, key: str) -> object:
    if callable(table):
        return table(key)
    return table.get(key)


def open_envelope(data: bytes, *, epochs: EpochLookup, sign_keys: KeyLookup) -> Opened:
    """Verify, then decrypt an envelope.

    ``epochs`` maps epoch id (hex) to an opened `Epoch`; ``sign_keys`` maps device id to
    its Ed25519 public key (32 bytes). Either may be a mapping or a function. Raises only
    `EnvelopeError` subclasses for bad input.
    """
    header = parse_envelope(data)
    epoch = _lookup(epochs, header.epoch_id)
    if not isinstance(epoch, Epoch):
        raise UnknownEpoch(epoch=header.epoch_id)
    sign_public = _lookup(sign_keys, epoch.sender)
    if not isinstance(sign_public, bytes):
        raise EnvelopeBadSignature()
    _verify(sign_public, header.raw[-SIG_LEN:], header.raw[:-SIG_LEN])
    if header.suite != epoch.suite:
        raise EnvelopeTampered(reason="suite")
    raw_header = header.raw[:HEADER_LEN]
    key = _content_key(epoch.key, raw_header[:HEADER_LEN - NONCE_LEN])
    try:
        compressed = AESGCM(key).decrypt(header.nonce, header.raw[HEADER_LEN:-SIG_LEN],
                                         raw_header)
    except InvalidTag:
        raise EnvelopeTampered(reason="ciphertext") from None
    inner = _inflate(compressed)
    identity, inner = inner[:_IDENTITY_LEN], inner[_IDENTITY_LEN:]
    if (len(identity) != _IDENTITY_LEN or not 0 < identity[0] <= len(SECTIONS)
            or not hmac.compare_digest(_item_id(epoch.key, identity),
                                       bytes.fromhex(header.item_id))):
        raise EnvelopeTampered(reason="item id")
    if len(inner) < 10 or len(inner) < 1 + inner[0] + 8 or inner[0] == 0:
        raise EnvelopeTampered(reason="inner structure")
    kind_end = 1 + inner[0]
    try:
        kind = inner[1:kind_end].decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeTampered(reason="kind") from None
    (when,) = struct.unpack(">q", inner[kind_end:kind_end + 8])
    return Opened(header, epoch.sender, str(uuid.UUID(bytes=identity[1:17])),
                  identity[17:].hex(), SECTIONS[identity[0] - 1], kind, when,
                  inner[kind_end + 8:])


def _inflate(compressed: bytes) -> bytes:
    unpacker = zlib.decompressobj(-15)
    try:
        inner = unpacker.decompress(compressed, MAX_PLAINTEXT)
    except zlib.error:
        raise EnvelopeTampered(reason="compression") from None
    if unpacker.unconsumed_tail or not unpacker.eof or unpacker.unused_data.strip(b"\0"):
        raise EnvelopeTampered(reason="compression")  # only the zeros of the padding follow
    return inner


def overhead(suite: str = SUITE_HYBRID) -> int:
    """Bytes an envelope adds to its compressed inner plaintext."""
    del suite
    return HEADER_LEN + TAG_LEN + SIG_LEN


__all__ = [
    "SECTIONS", "SUITE_CLASSIC", "SUITE_HYBRID", "EnvelopeBadSignature", "EnvelopeError",
    "EnvelopeHeader", "EnvelopeTampered", "EnvelopeTruncated", "EnvelopeUnsigned", "Epoch",
    "KeyPacket", "NotARecipient", "Opened", "UnknownEpoch", "hpke_suite", "item_id",
    "new_epoch",
    "open_envelope", "open_key_packet", "parse_envelope", "parse_key_packet", "seal",
    "verify_envelope", "verify_key_packet",
]
