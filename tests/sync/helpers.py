"""Helpers for the client tests: profiles driven through the real CLI, a 5 MB photo, and a
dump of a vault's content for leak checks."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from tests.conftest import PASSPHRASE, Result, run_cli

FAST = {"FIELDAPP_SYNC_BACKOFF": "0.05", "FIELDAPP_SYNC_ATTEMPTS": "4"}


class Person:
    """One profile, one process per command (as a user at a terminal)."""

    def __init__(self, root: Path, name: str, pseudonym: str) -> None:
        self.path = root / name
        self.pseudonym = pseudonym
        result = self.run("init", "--pseudonym", pseudonym, "--kdf-seconds", "0")
        assert result.code == 0, result.err

    def run(self, *args: str, **env: str) -> Result:
        return run_cli(self.path, *args, **{**FAST, **env})

    def ok(self, *args: str, **env: str) -> Result:
        result = self.run(*args, **env)
        assert result.code == 0, (args, result.code, result.out, result.err)
        return result

    def add(self, kind: str, data: dict, tmp: Path) -> str:
        source = tmp / f"{self.pseudonym}-{random.random()}.json"
        source.write_text(json.dumps(data, ensure_ascii=False))
        return self.ok(kind, "add", "--from", str(source)).out.strip()

    def dump(self) -> str:
        """Every row of the vault as text (what a seized, unlocked profile would show)."""
        from fieldapp.profile import Profile

        vault = Profile(self.path).unlock(PASSPHRASE)
        try:
            lines = []
            tables = [r[0] for r in vault.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in vault.conn.execute(f'SELECT * FROM "{table}"'):
                    lines.append(" | ".join(
                        v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                        for v in row))
            return "\n".join(lines)
        finally:
            vault.close()


def photo_bytes(target: int = 5 * 1024 * 1024, seed: int = 7) -> bytes:
    """A JPEG of noise of about ``target`` bytes (noise does not compress)."""
    from PIL import Image

    rng = random.Random(seed)
    side = 1500
    while True:
        img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=95)
        if out.tell() >= target:
            return out.getvalue()
        side += 200
