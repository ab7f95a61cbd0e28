"""Device identities and project keys for sync.

A device identity is an Ed25519 signing key plus an HPKE key pair for the project's
suite: ``MLKEM768_X25519`` (post-quantum hybrid, the default for new projects) or
``X25519``. Private halves live only inside the SQLCipher vault (migration 0002, table
``device_key``); the server and peers learn the public halves only.

A *fingerprint* is what two people read aloud to each other to check that a public key
is the one they expect: six groups of five digits taken from the SHA-256 of the public
keys (about 100 bits), like Signal's safety numbers.

*Project keys* are made by the coordinator's device when a project is created: a random
project id and a project signing key (Ed25519) that signs invites and the list of
coordinators, so a joining device can tell a real invite from a forged one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from ..errors import InvalidInput

SUITE_HYBRID = "MLKEM768_X25519"
SUITE_CLASSIC = "X25519"
SUITES = (SUITE_HYBRID, SUITE_CLASSIC)
DEFAULT_SUITE = SUITE_HYBRID

_X25519_LEN = 32
_MLKEM_PUBLIC_LEN = 1184
_MLKEM_SEED_LEN = 64
_FINGERPRINT_GROUPS = 6


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, field: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput(field=field, reason="text expected")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise InvalidInput(field=field, reason="not one of the allowed values") from None


def check_suite(suite: Any) -> str:
    """The suite name, or `InvalidInput` when it is not one fieldapp speaks."""
    if suite not in SUITES:
        raise InvalidInput(field="suite", reason="not one of the allowed values",
                           value=str(suite)[:40])
    return str(suite)


def hpke_suite(suite: str) -> hpke.Suite:
    """The HPKE suite object (KEM of the project, HKDF-SHA256, AES-256-GCM)."""
    kem = hpke.KEM.MLKEM768_X25519 if check_suite(suite) == SUITE_HYBRID else hpke.KEM.X25519
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def fingerprint_of(data: bytes) -> str:
    """Six groups of five digits from SHA-256 of ``data``, to read aloud."""
    digest = hashlib.sha256(b"fieldapp-fingerprint-v1\x00" + data).digest()
    groups = [int.from_bytes(digest[i * 5:(i + 1) * 5], "big") % 100_000
              for i in range(_FINGERPRINT_GROUPS)]
    return " ".join(f"{g:05d}" for g in groups)


# --- public halves --------------------------------------------------------------------
@dataclass(frozen=True)
class PublicIdentity:
    """What a device publishes: its verify key and HPKE public key, for one suite."""

    suite: str
    sign_public: bytes
    kem_public: bytes

    def __post_init__(self) -> None:
        check_suite(self.suite)
        expected = _X25519_LEN + (_MLKEM_PUBLIC_LEN if self.suite == SUITE_HYBRID else 0)
        if len(self.sign_public) != 32 or len(self.kem_public) != expected:
            raise InvalidInput(field="public key", reason="out of range")

    @property
    def key_id(self) -> str:
        """A stable short id of this identity (hex of SHA-256, 16 characters)."""
        return hashlib.sha256(self.material()).hexdigest()[:16]

    def material(self) -> bytes:
        return self.suite.encode() + b"\x00" + self.sign_public + self.kem_public

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.material())

    def verify_key(self) -> ed25519.Ed25519PublicKey:
        return ed25519.Ed25519PublicKey.from_public_bytes(self.sign_public)

    def hpke_public(self) -> x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey:
        """The public key object HPKE encrypts to."""
        if self.suite == SUITE_CLASSIC:
            return x25519.X25519PublicKey.from_public_bytes(self.kem_public)
        mlkem_part = mlkem.MLKEM768PublicKey.from_public_bytes(
            self.kem_public[:_MLKEM_PUBLIC_LEN])
        x_part = x25519.X25519PublicKey.from_public_bytes(self.kem_public[_MLKEM_PUBLIC_LEN:])
        return hpke.MLKEM768X25519PublicKey(mlkem_part, x_part)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is this device's Ed25519 signature over ``data``."""
        try:
            self.verify_key().verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_dict(self) -> dict[str, str]:
        return {"suite": self.suite, "sign": _b64(self.sign_public),
                "kem": _b64(self.kem_public)}

    @classmethod
    def from_dict(cls, data: Any) -> PublicIdentity:
        if not isinstance(data, dict):
            raise InvalidInput(field="public key", reason="object expected")
        return cls(check_suite(data.get("suite")), _unb64(data.get("sign"), "sign"),
                   _unb64(data.get("kem"), "kem"))


# --- private halves -------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceIdentity:
    """A device's private keys (kept in the vault; never leave the device)."""

    suite: str
    sign_private: bytes
    kem_private: bytes

    def __repr__(self) -> str:  # never print key bytes
        return f"DeviceIdentity(suite={self.suite!r}, key_id={self.public.key_id!r})"

    @classmethod
    def generate(cls, suite: str = DEFAULT_SUITE) -> DeviceIdentity:
        check_suite(suite)
        kem = secrets.token_bytes(_X25519_LEN)
        if suite == SUITE_HYBRID:
            kem = secrets.token_bytes(_MLKEM_SEED_LEN) + kem
        return cls(suite, secrets.token_bytes(32), kem)

    def signing_key(self) -> ed25519.Ed25519PrivateKey:
        return ed25519.Ed25519PrivateKey.from_private_bytes(self.sign_private)

    def sign(self, data: bytes) -> bytes:
        return self.signing_key().sign(data)

    def hpke_private(self) -> x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey:
        """The private key object HPKE decrypts with."""
        if self.suite == SUITE_CLASSIC:
            return x25519.X25519PrivateKey.from_private_bytes(self.kem_private)
        mlkem_part = mlkem.MLKEM768PrivateKey.from_seed_bytes(
            self.kem_private[:_MLKEM_SEED_LEN])
        x_part = x25519.X25519PrivateKey.from_private_bytes(
            self.kem_private[_MLKEM_SEED_LEN:])
        return hpke.MLKEM768X25519PrivateKey(mlkem_part, x_part)

    @property
    def public(self) -> PublicIdentity:
        sign_pub = self.signing_key().public_key().public_bytes_raw()
        if self.suite == SUITE_CLASSIC:
            kem_pub = x25519.X25519PrivateKey.from_private_bytes(
                self.kem_private).public_key().public_bytes_raw()
        else:
            m = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.kem_private[:_MLKEM_SEED_LEN])
            x = x25519.X25519PrivateKey.from_private_bytes(self.kem_private[_MLKEM_SEED_LEN:])
            kem_pub = (m.public_key().public_bytes_raw()
                       + x.public_key().public_bytes_raw())
        return PublicIdentity(self.suite, sign_pub, kem_pub)

    def dumps(self) -> bytes:
        """Serialised private keys (to store inside the encrypted vault only)."""
        return json.dumps({"v": 1, "suite": self.suite, "sign": _b64(self.sign_private),
                           "kem": _b64(self.kem_private)}).encode()

    @classmethod
    def loads(cls, data: bytes) -> DeviceIdentity:
        try:
            obj = json.loads(data)
        except ValueError:
            raise InvalidInput(field="device key", reason="object expected") from None
        if not isinstance(obj, dict) or obj.get("v") != 1:
            raise InvalidInput(field="device key", reason="object expected")
        return cls(check_suite(obj.get("suite")), _unb64(obj.get("sign"), "sign"),
                   _unb64(obj.get("kem"), "kem"))


@dataclass(frozen=True)
class ProjectKeys:
    """Made on the coordinator's device at `project create`: the project id and the
    project signing key, which signs invites and the list of coordinators."""

    project_id: str
    suite: str
    sign_private: bytes

    def __repr__(self) -> str:
        return f"ProjectKeys(project_id={self.project_id!r}, suite={self.suite!r})"

    @classmethod
    def generate(cls, suite: str = DEFAULT_SUITE) -> ProjectKeys:
        from ..text import uuid7

        return cls(uuid7(), check_suite(suite), secrets.token_bytes(32))

    @property
    def sign_public(self) -> bytes:
        return ed25519.Ed25519PrivateKey.from_private_bytes(
            self.sign_private).public_key().public_bytes_raw()

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(b"project\x00" + self.project_id.encode() + self.sign_public)

    def sign(self, data: bytes) -> bytes:
        return ed25519.Ed25519PrivateKey.from_private_bytes(self.sign_private).sign(data)


def project_fingerprint(project_id: str, sign_public: bytes) -> str:
    """The fingerprint of a project's signing key, as a joining device computes it."""
    return fingerprint_of(b"project\x00" + project_id.encode() + sign_public)


def verify_ed25519(public: bytes, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies under the raw Ed25519 ``public``."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


__all__ = ["DEFAULT_SUITE", "SUITES", "DeviceIdentity", "ProjectKeys", "PublicIdentity",
           "fingerprint_of", "hpke_suite", "project_fingerprint", "verify_ed25519"]
