"""The wheel is complete: built from a copy of the sources, installed into a fresh venv
outside the tree (no network: --no-deps, the dependencies come from this venv), it speaks
French, opens a profile (store migrations, gazetteer), serves `/v1/health` (server
migrations) and carries the application icon."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSPHRASE, ROOT
from tests.sync.conftest import free_port

SOURCES = ("pyproject.toml", "setup.py", "README.md", "fieldapp", "sync", "ui", "locales")


@dataclass
class Installed:
    wheel: Path
    venv: Path
    home: Path

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "fieldapp"), *args],
                              capture_output=True, text=True, env=self.env(),
                              cwd=self.home, timeout=timeout)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FIELDAPP_", "PYTHON"))}
        env.update(FIELDAPP_PROFILE=str(self.home / "profile"), FIELDAPP_PASSPHRASE=PASSPHRASE,
                   HOME=str(self.home))
        return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: no stale build/ of the work tree can leak into the wheel
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(dist), str(src)], check=True, timeout=300)
    wheel = next(dist.glob("fieldapp-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True,
                   timeout=300)
    # The dependencies: this venv's site-packages, appended as a plain path (its .pth
    # files, among them the editable install of the work tree, are not run).
    purelib = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig;"
         "print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True,
        check=True).stdout.strip())
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = tmp / "home"
    home.mkdir(mode=0o700)
    yield Installed(wheel, venv, home)


def test_wheel_carries_catalogs_data_migrations_and_icons(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for expected in ("fieldapp/locales/fr/LC_MESSAGES/fieldapp.po",
                     "fieldapp/locales/en/LC_MESSAGES/fieldapp.po",
                     "fieldapp/data/mali_places.json",
                     "fieldapp/store/migrations/0001_initial.sql",
                     "sync/server/migrations/env.py",
                     "sync/server/migrations/script.py.mako",
                     "sync/server/migrations/versions/0001_initial.py",
                     "ui/icons/app/org.fieldapp.FieldApp.svg",
                     "ui/icons/app/256.png", "ui/icons/app/16.png"):
        assert expected in names
    sql = {n for n in names if n.startswith("fieldapp/store/migrations/")}
    assert len(sql) == len(list((ROOT / "fieldapp" / "store" / "migrations").glob("*.sql")))
    assert not any(n.startswith(("tests/", "benchmarks/", "locales/")) for n in names)


def test_installed_fieldapp_runs_from_the_wheel_not_the_tree(installed: Installed) -> None:
    out = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                          "import fieldapp, ui.app, fieldapp.i18n as i;"
                          "print(fieldapp.__file__); print(i.catalogs_dir());"
                          "print(len(list(ui.app.ICON_DIR.glob('*.png'))))"],
                         capture_output=True, text=True, env=installed.env(),
                         cwd=installed.home, check=True).stdout.splitlines()
    assert out[0].startswith(str(installed.venv)) and out[1].startswith(str(installed.venv))
    assert int(out[2]) >= 7


def french(msgid: str) -> str:
    """The French of ``msgid`` in the source tree's catalog (what the wheel must carry)."""
    from babel.messages.pofile import read_po

    with (ROOT / "locales" / "fr" / "LC_MESSAGES" / "fieldapp.po").open("rb") as fh:
        text = read_po(fh, locale="fr")[msgid].string
    assert text and text != msgid
    return text


def test_installed_fieldapp_speaks_french(installed: Installed) -> None:
    description = ("Record incidents and testimonies offline, encrypted; sync them when a "
                   "link appears.")
    result = installed.run("--lang", "fr", "--help")
    assert result.returncode == 0, result.stderr
    assert " ".join(french(description).split()) in " ".join(result.stdout.split())
    assert result.stdout.startswith(french("usage: "))
    english = installed.run("--lang", "en", "--help")
    assert description in " ".join(english.stdout.split())


def test_installed_fieldapp_opens_a_profile_and_knows_places(installed: Installed,
                                                              tmp_path: Path) -> None:
    result = installed.run("init", "--pseudonym", "Wheel-1", "--kdf-seconds", "0")
    assert result.returncode == 0, result.stderr
    source = tmp_path / "incident.json"
    source.write_text(json.dumps({"title": "Puits détruit", "occurred_on": "2024-03-02",
                                  "event_type": "destruction_of_property",
                                  "region": "Mopti"}))
    added = installed.run("incident", "add", "--from", str(source))
    assert added.returncode == 0, added.stderr
    places = installed.run("--lang", "fr", "places", "Tombouct")
    assert places.returncode == 0, places.stderr
    assert "Tombouctou" in places.stdout


def test_installed_server_answers_health(installed: Installed) -> None:
    port = free_port()
    data = installed.home / "server"
    proc = subprocess.Popen([str(installed.venv / "bin" / "fieldapp"), "server", "--data",
                             str(data), "--port", str(port)], env=installed.env(),
                            cwd=installed.home, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                # HTTPS by default, with a self-signed certificate made on first start
                reply = httpx.get(f"https://127.0.0.1:{port}/v1/health", timeout=1.0,
                                  verify=False)  # noqa: S501 - its pin is not the point here
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not answer in 60 s"
                time.sleep(0.1)
        assert reply.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)
