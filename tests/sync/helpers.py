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

    def join(self, invite: Path, coordinator: Person | None = None) -> str:
        """``fieldapp join``; then, when a coordinator is given, the approval as people do
        it: the joiner reads the fingerprint its screen shows, the coordinator types it."""
        out = self.ok("join", str(invite)).out
        if coordinator is not None:
            coordinator.approve(self.pseudonym, out.strip().splitlines()[-1].strip())
        return out

    def approve(self, pseudonym: str, fingerprint: str) -> Result:
        """As a coordinator: approve the device waiting under ``pseudonym``."""
        listed = self.ok("devices", "--json").json()
        waiting = [d for d in listed if d["pseudonym"] == pseudonym and d["state"] == "pending"]
        assert len(waiting) == 1, listed
        return self.ok("approve", waiting[0]["device_id"], "--fingerprint", fingerprint)

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


def new_vault(root: Path, name: str, pseudonym: str):
    """An in-process profile (for client tests that need no separate process)."""
    from fieldapp.profile import Profile

    vault, _ = Profile(root / name).create(pseudonym, PASSPHRASE, kdf_seconds=0)
    return vault


def fast_settings(**overrides):
    from sync.transport import Settings

    return Settings(**{"backoff": 0.02, "attempts": 6, "timeout": 20.0, **overrides})


def fingerprint(vault) -> str:
    """The fingerprint a joining device shows its user, to read to the coordinator."""
    from fieldapp.membership import identity_by_key_id, membership

    return identity_by_key_id(vault.conn, membership(vault.conn).key_id).public.fingerprint


def approve(coord, vault, role: str | None = None) -> None:
    """The coordinator approves a joined device after comparing its fingerprint."""
    from fieldapp.membership import membership
    from sync import devices

    devices.approve(coord, membership(vault.conn).device_id, fingerprint(vault), role=role,
                    settings=fast_settings())


def make_project(server, root: Path, *, monitors: int = 1, translator: bool = False,
                 suite: str = "X25519", approved: bool = True):
    """A coordinator and members enrolled through the library (and approved by the
    coordinator unless ``approved`` is False); returns the vaults."""
    from sync import enroll

    coord = new_vault(root, "coord", "Coord-1")
    enroll.create_project(coord, server.url, "Projet", server.bootstrap_token, suite=suite,
                          settings=fast_settings())
    members = []
    roles = ["monitor"] * monitors + (["translator"] if translator else [])
    for n, role in enumerate(roles):
        invite = root / f"invite-{n}.json"
        enroll.create_invite(coord, role, invite, settings=fast_settings())
        vault = new_vault(root, f"member-{n}", f"{role.title()}-{n}")
        enroll.join(vault, invite, settings=fast_settings())
        if approved:
            approve(coord, vault)
        members.append(vault)
    return coord, members


def point_to(vault, url: str) -> None:
    """Make a profile talk to ``url`` (a cutting proxy in front of the server)."""
    vault.conn.execute("UPDATE membership SET server_url = ?", (url,))


def incidents(vault, n: int, prefix: str = "Incident") -> list[str]:
    return vault.records.add_many("incident", [
        {"title": f"{prefix} {i}", "occurred_on": "2024-01-02", "event_type": "looting",
         "description": "Des boutiques pillées. " * 20} for i in range(n)])
