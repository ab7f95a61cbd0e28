"""The keyslot file: the small file that wraps the database keys.

Layout (JSON, version 1)::

    {"format": "fieldapp-keyslots", "version": 1,
     "kdf": {"alg": "argon2id", "memory_kib": .., "iterations": .., "lanes": .., "salt": b64},
     "slots": [{"nonce": b64, "ct": b64}, {"nonce": b64, "ct": b64}],
     "recovery": {"salt": b64, "nonce": b64, "ct": b64}}

There are always exactly two passphrase slots and one recovery slot, whether or not a
duress passphrase is set: an unused slot holds random bytes of the same length, so the
file does not say whether a duress passphrase exists. One Argon2id derivation (shared
salt) yields the key that is tried on both slots, so the real and the duress passphrase
take the same time. A slot's plaintext is ``vault index (1) | role (1) | db key (32)``;
its AAD binds the header and the slot's position, so parameters cannot be swapped.

The recovery key is 160 random bits shown as 8 groups of 4 base32 characters; being high
entropy it goes through HKDF, not Argon2id.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import kdf

FORMAT = "fieldapp-keyslots"
VERSION = 1
ROLE_MAIN = 0
ROLE_DURESS = 1
KEY_BYTES = 32
_PLAIN_LEN = 2 + KEY_BYTES
_CT_LEN = _PLAIN_LEN + 16
RECOVERY_BYTES = 20
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class SlotFormatError(ValueError):
    """The keyslot file cannot be parsed (damaged or not ours)."""


@dataclass(frozen=True)
class Opened:
    """What a slot unlocked: which vault file, in which role, with which key."""

    vault: int
    role: int
    key: bytes
    slot: int  # position of the passphrase slot (-1 for the recovery slot)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise SlotFormatError("not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise SlotFormatError("bad base64") from exc


def format_recovery_key(raw: bytes) -> str:
    bits = int.from_bytes(raw, "big")
    chars = []
    for i in range(len(raw) * 8 // 5):
        shift = len(raw) * 8 - 5 * (i + 1)
        chars.append(_B32[(bits >> shift) & 31])
    text = "".join(chars)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes | None:
    """The raw key from what the user typed (case, spaces and dashes ignored); None if malformed."""
    clean = "".join(ch for ch in text.upper() if ch.isalnum())
    clean = clean.replace("0", "O").replace("1", "I").replace("8", "B")
    if len(clean) != RECOVERY_BYTES * 8 // 5 or any(ch not in _B32 for ch in clean):
        return None
    bits = 0
    for ch in clean:
        bits = (bits << 5) | _B32.index(ch)
    return bits.to_bytes(RECOVERY_BYTES, "big")


class KeyslotFile:
    """In-memory form of the keyslot file; `dumps` gives the bytes to write."""

    def __init__(self, params: kdf.KdfParams, salt: bytes, slots: list[tuple[bytes, bytes]],
                 recovery: tuple[bytes, bytes, bytes]) -> None:
        self.params = params
        self.salt = salt
        self.slots = slots
        self.recovery = recovery

    # --- creation and serialisation ---------------------------------------------------
    @classmethod
    def new(cls, params: kdf.KdfParams) -> KeyslotFile:
        noise = [(secrets.token_bytes(12), secrets.token_bytes(_CT_LEN)) for _ in range(2)]
        rec = (secrets.token_bytes(16), secrets.token_bytes(12), secrets.token_bytes(_CT_LEN))
        return cls(params, secrets.token_bytes(16), noise, rec)

    def _header(self) -> bytes:
        p = self.params
        return (f"{FORMAT}|{VERSION}|{p.alg}|{p.memory_kib}|{p.iterations}|{p.lanes}|"
                f"{_b64(self.salt)}").encode()

    def dumps(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {**self.params.to_dict(), "salt": _b64(self.salt)},
            "slots": [{"nonce": _b64(n), "ct": _b64(c)} for n, c in self.slots],
            "recovery": {"salt": _b64(self.recovery[0]), "nonce": _b64(self.recovery[1]),
                         "ct": _b64(self.recovery[2])},
        }
        return json.dumps(data, indent=1).encode()

    @classmethod
    def loads(cls, raw: bytes) -> KeyslotFile:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT or data.get("version") != VERSION:
                raise SlotFormatError("unknown format or version")
            kdf_data = dict(data["kdf"])
            salt = _unb64(kdf_data.pop("salt"))
            params = kdf.KdfParams.from_dict(kdf_data)
            slots = [(_unb64(s["nonce"]), _unb64(s["ct"])) for s in data["slots"]]
            rec = data["recovery"]
            recovery = (_unb64(rec["salt"]), _unb64(rec["nonce"]), _unb64(rec["ct"]))
        except SlotFormatError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise SlotFormatError(str(exc)) from exc
        if len(slots) != 2 or any(len(n) != 12 or len(c) != _CT_LEN for n, c in slots):
            raise SlotFormatError("bad slots")
        if len(salt) != 16 or len(recovery[1]) != 12 or len(recovery[2]) != _CT_LEN:
            raise SlotFormatError("bad sizes")
        return cls(params, salt, slots, recovery)

    # --- passphrase slots -------------------------------------------------------------
    def derive(self, passphrase: str) -> bytes:
        """The key-encryption key for ``passphrase`` (the slow Argon2id step)."""
        return kdf.derive(passphrase.encode("utf-8"), self.salt, self.params)

    def _aad(self, position: int | str) -> bytes:
        return self._header() + f"|slot{position}".encode()

    def open_with(self, kek: bytes) -> Opened | None:
        """Try ``kek`` on both passphrase slots (always both, for even timing)."""
        found = None
        for position, (nonce, ct) in enumerate(self.slots):
            try:
                plain = AESGCM(kek).decrypt(nonce, ct, self._aad(position))
            except InvalidTag:
                continue
            found = Opened(vault=plain[0], role=plain[1], key=plain[2:], slot=position)
        return found

    def seal_slot(self, position: int, kek: bytes, vault: int, role: int, key: bytes) -> None:
        nonce = secrets.token_bytes(12)
        plain = bytes([vault, role]) + key
        self.slots[position] = (nonce, AESGCM(kek).encrypt(nonce, plain, self._aad(position)))

    def wipe_slot(self, position: int) -> None:
        self.slots[position] = (secrets.token_bytes(12), secrets.token_bytes(_CT_LEN))

    # --- recovery slot ----------------------------------------------------------------
    def _recovery_kek(self, raw: bytes, salt: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt, b"fieldapp recovery slot v1").derive(raw)

    def seal_recovery(self, vault: int, key: bytes) -> str:
        """Wrap ``key`` under a fresh recovery key; returns the key to show the user once."""
        raw = secrets.token_bytes(RECOVERY_BYTES)
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        ct = AESGCM(self._recovery_kek(raw, salt)).encrypt(
            nonce, bytes([vault, ROLE_MAIN]) + key, self._aad("recovery"))
        self.recovery = (salt, nonce, ct)
        return format_recovery_key(raw)

    def open_recovery(self, text: str) -> Opened | None:
        raw = parse_recovery_key(text)
        if raw is None:
            return None
        salt, nonce, ct = self.recovery
        try:
            plain = AESGCM(self._recovery_kek(raw, salt)).decrypt(nonce, ct, self._aad("recovery"))
        except InvalidTag:
            return None
        return Opened(vault=plain[0], role=plain[1], key=plain[2:], slot=-1)

    def wipe_recovery(self) -> None:
        self.recovery = (secrets.token_bytes(16), secrets.token_bytes(12),
                         secrets.token_bytes(_CT_LEN))
