"""Shared fixtures: every test gets its own temporary profile (0700), real SQLCipher files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "correct horse battery staple"
PSEUDONYM = "Sahel-7"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["FIELDAPP_LANG"] = "en"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from fieldapp import i18n

    monkeypatch.setenv("FIELDAPP_LANG", "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def vault(profile_dir: Path):
    from fieldapp.profile import Profile

    opened, _recovery = Profile(profile_dir).create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    yield opened
    opened.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def cli_env(profile: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(FIELDAPP_PROFILE=str(profile), FIELDAPP_PASSPHRASE=PASSPHRASE,
               FIELDAPP_LANG="en", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def run_cli(profile: Path, *args: str, stdin: str | bytes | None = None,
            timeout: float = 120, **env: str) -> Result:
    """Run the real ``fieldapp`` command in its own process."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([sys.executable, "-m", "fieldapp.cli", *args], input=data,
                          capture_output=True, env=cli_env(profile, **env), timeout=timeout,
                          cwd=ROOT)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def cli(profile_dir: Path):
    """``cli("list", "--json")`` runs fieldapp against this test's profile."""
    def runner(*args: str, **kwargs) -> Result:
        return run_cli(profile_dir, *args, **kwargs)
    return runner


@pytest.fixture
def initialised(cli) -> str:
    """A profile made through the CLI; returns the recovery key printed."""
    result = cli("init", "--pseudonym", PSEUDONYM, "--kdf-seconds", "0")
    assert result.code == 0, result.err
    return result.out.strip().splitlines()[-1]


def grep_tree(folder: Path, markers: list[bytes]) -> list[tuple[Path, bytes]]:
    """Every (file, marker) where a marker's bytes appear in a file under ``folder``,
    in UTF-8 and UTF-16 (SQLite may store either)."""
    hits = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for marker in markers:
            forms = {marker, marker.decode().encode("utf-16-le"),
                     marker.decode().encode("utf-16-be")}
            if any(form in data for form in forms):
                hits.append((path, marker))
    return hits
