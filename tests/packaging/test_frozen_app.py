"""The frozen desktop app (`make package`: PyInstaller, one folder), copied outside the
source tree and run from there: French help, a profile, an incident, an export, the places
of Mali, the server the demo embeds, and the first-run window (an offscreen screenshot).

The build is cached under packaging/build/ by a hash of the sources (packaging/build_app.py):
a fresh clone builds once (a few minutes), later runs reuse it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSPHRASE, ROOT
from tests.packaging.test_wheel import french
from tests.sync.conftest import free_port

# The first run in a fresh clone builds the app: minutes on a busy 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

sys.path.insert(0, str(ROOT / "packaging"))
import build_app  # noqa: E402


@dataclass
class Frozen:
    folder: Path
    home: Path

    @property
    def program(self) -> Path:
        return self.folder / ("fieldapp-cli.exe" if os.name == "nt" else "fieldapp")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FIELDAPP_", "PYTHON", "QT_"))}
        env.update(FIELDAPP_PROFILE=str(self.home / "profile"), FIELDAPP_PASSPHRASE=PASSPHRASE,
                   FIELDAPP_LOG_DIR=str(self.home / "logs"), HOME=str(self.home))
        env.update(extra)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.program), *args], capture_output=True, text=True,
                              env=self.env(**env), cwd=self.home, timeout=120)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Frozen]:
    built = build_app.build(quiet=True)
    tmp = tmp_path_factory.mktemp("frozen")
    folder = tmp / "fieldapp"  # outside the source tree: nothing can reach back into it
    shutil.copytree(built, folder, symlinks=True)
    home = tmp / "home"
    home.mkdir(mode=0o700)
    yield Frozen(folder, home)


def test_frozen_folder_leaves_unused_qt_out(frozen: Frozen) -> None:
    names = {p.name for p in frozen.folder.rglob("*")}
    for unused in ("libQt6WebEngineCore.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6",
                   "libQt6Multimedia.so.6", "libQt63DCore.so.6", "QtWebEngineCore.abi3.so"):
        assert unused not in names
    for kept in ("libQt6Charts.so.6", "libQt6Svg.so.6", "libQt6PrintSupport.so.6",
                 "libqxcb.so", "libqwayland.so", "libqoffscreen.so", "fieldapp.po",
                 "mali_places.json", "0001_initial.sql", "256.png"):
        assert kept in names, kept


def test_frozen_help_is_french(frozen: Frozen) -> None:
    result = frozen.run("--lang", "fr", "--help")
    assert result.returncode == 0, result.stderr
    description = ("Record incidents and testimonies offline, encrypted; sync them when a "
                   "link appears.")
    assert " ".join(french(description).split()) in " ".join(result.stdout.split())


def test_frozen_init_add_export_places(frozen: Frozen, tmp_path: Path) -> None:
    init = frozen.run("init", "--pseudonym", "Frozen-1", "--kdf-seconds", "0")
    assert init.returncode == 0, init.stderr
    assert (frozen.home / "profile" / "keyslots").is_file()
    source = tmp_path / "incident.json"
    source.write_text(json.dumps({"title": "Marché incendié (inventé)",
                                  "occurred_on": "2024-05-11", "region": "Ségou",
                                  "event_type": "looting"}), encoding="utf-8")
    added = frozen.run("incident", "add", "--from", str(source))
    assert added.returncode == 0, added.stderr
    out = tmp_path / "export.json"
    exported = frozen.run("export", "--format", "json", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "Marché incendié (inventé)" in out.read_text(encoding="utf-8")
    places = frozen.run("--lang", "fr", "places", "Tombouct")
    assert places.returncode == 0 and "Tombouctou" in places.stdout, places


def test_frozen_first_run_window(frozen: Frozen, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "first-run.png"
    result = frozen.run(FIELDAPP_PROFILE=str(tmp_path / "new" / "profile"),
                        QT_QPA_PLATFORM="offscreen", FIELDAPP_EXIT_AFTER_SHOW="1",
                        FIELDAPP_SCREENSHOT=str(shot), FIELDAPP_LANG="fr")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    image = Image.open(shot).convert("RGB")
    assert image.width >= 400 and image.height >= 300
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # text and buttons drawn, not a blank
    keep = os.environ.get("FIELDAPP_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "frozen-first-run.png")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 display check")
def test_frozen_app_without_a_reachable_display_says_so(frozen: Frozen) -> None:
    result = frozen.run(QT_QPA_PLATFORM="xcb", DISPLAY=":97", FIELDAPP_LANG="en")
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot open a window" in lines[0], result.stderr


def test_frozen_server_answers_health(frozen: Frozen) -> None:
    """The server the demo starts from the frozen app (`fieldapp server`)."""
    port = free_port()
    proc = subprocess.Popen([str(frozen.program), "server", "--data",
                             str(frozen.home / "server"), "--port", str(port)],
                            env=frozen.env(), cwd=frozen.home, stdout=subprocess.PIPE,
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
