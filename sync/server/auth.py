"""Who may call the server: tokens (stored hashed), the server's receipt key, rate limits.

Device tokens and invite tokens are 32 random bytes (URL-safe base64). The server keeps
only their SHA-256, so a copy of its database cannot be used to sync as a device. The
server's own Ed25519 key (``DATA/server-key``, 0600) signs receipts; it is the only
private key the server has.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from fieldapp.fsutil import atomic_write, secure_mkdir

SERVER_KEY_FILE = "server-key"
BOOTSTRAP_FILE = "bootstrap-token"


def new_token() -> str:
    """A fresh random bearer token (43 URL-safe characters, never starting with "-" so
    that it can follow a command-line option)."""
    while True:
        token = secrets.token_urlsafe(32)
        if token[0].isalnum():
            return token


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(b"fieldapp-token-v1\x00" + token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """The authenticated device behind a request."""

    device_id: str
    role: str
    # False while the project's roster does not list the device as approved: it may read
    # the roster and its own items, nothing more.
    approved: bool = True

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator" and self.approved


class ServerKey:
    """The receipt-signing key, created once in the data folder."""

    def __init__(self, data_dir: Path) -> None:
        path = data_dir / SERVER_KEY_FILE
        if not path.exists():
            atomic_write(path, secrets.token_bytes(32))
        seed = path.read_bytes()
        if len(seed) != 32:
            raise ValueError("server-key is damaged")
        self._key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        self.public = self._key.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def first_start(data_dir: Path) -> bool:
    """True when the data folder has never been initialised (no server key yet)."""
    return not (data_dir / SERVER_KEY_FILE).exists()


def prepare_data_dir(data_dir: Path) -> Path:
    """Create DATA (0700) and DATA/blobs (0700)."""
    secure_mkdir(data_dir)
    os.chmod(data_dir, 0o700)
    secure_mkdir(data_dir / "blobs")
    return data_dir


def write_bootstrap(data_dir: Path) -> str:
    """Write a fresh one-time bootstrap token to DATA/bootstrap-token (0600)."""
    token = new_token()
    atomic_write(data_dir / BOOTSTRAP_FILE, (token + "\n").encode("ascii"))
    return token


def forget_bootstrap(data_dir: Path) -> None:
    """Remove the bootstrap token file once the project is registered."""
    try:
        (data_dir / BOOTSTRAP_FILE).unlink()
    except FileNotFoundError:
        pass


class RateLimiter:
    """Token buckets per caller key: ``rate`` requests per second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """0 when allowed, else the seconds to wait (for ``Retry-After``)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            return max(1, math.ceil((1 - tokens) / self.rate))
