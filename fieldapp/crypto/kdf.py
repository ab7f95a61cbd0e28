"""Argon2id key derivation, calibrated on this machine.

The floor is 64 MiB and 3 passes whatever the calibration says; calibration raises the
memory first (up to 128 MiB: gentle on old laptops and on peak memory), then the passes,
until one derivation takes about the target time.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
MAX_MEMORY_KIB = 128 * 1024
MAX_ITERATIONS = 64
LANES = 4
DEFAULT_SECONDS = 0.5


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = LANES
    alg: str = "argon2id"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> KdfParams:
        params = cls(
            memory_kib=int(data["memory_kib"]),  # type: ignore[arg-type]
            iterations=int(data["iterations"]),  # type: ignore[arg-type]
            lanes=int(data["lanes"]),  # type: ignore[arg-type]
            alg=str(data.get("alg", "argon2id")),
        )
        params.check()
        return params

    def check(self) -> None:
        """Refuse parameters below the floor (a tampered slot could try a downgrade)."""
        if self.alg != "argon2id":
            raise ValueError("unknown kdf")
        if self.memory_kib < MIN_MEMORY_KIB or self.iterations < MIN_ITERATIONS:
            raise ValueError("kdf parameters below the floor")
        if not 1 <= self.lanes <= 16 or self.memory_kib > 4 * 1024 * 1024:
            raise ValueError("kdf parameters out of range")


def derive(secret: bytes, salt: bytes, params: KdfParams, length: int = 32) -> bytes:
    params.check()
    kdf = Argon2id(
        salt=salt,
        length=length,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)


def _time_one(params: KdfParams) -> float:
    start = time.perf_counter()
    derive(b"calibration", b"\0" * 16, params)
    return time.perf_counter() - start


def calibrate(target_seconds: float = DEFAULT_SECONDS) -> KdfParams:
    """Parameters taking about ``target_seconds`` here; never below the floor."""
    params = KdfParams()
    if target_seconds <= 0:
        return params
    elapsed = _time_one(params)
    memory = params.memory_kib
    while elapsed * 2 <= target_seconds * 1.1 and memory * 2 <= MAX_MEMORY_KIB:
        memory *= 2
        elapsed *= 2
    iterations = MIN_ITERATIONS
    if elapsed < target_seconds:
        per_pass = elapsed / MIN_ITERATIONS
        iterations = min(MAX_ITERATIONS, max(MIN_ITERATIONS, round(target_seconds / per_pass)))
    return KdfParams(memory_kib=memory, iterations=iterations, lanes=LANES)
