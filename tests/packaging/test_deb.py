"""The Debian package built from the frozen app: its control data, its files where
desktops look for them (validated again as installed), and its program runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp import APP_ID
from tests.conftest import ROOT
from tests.packaging.test_wheel import french

# Builds the frozen app first when no cached build matches the sources.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800),
              pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="Debian only")]

sys.path.insert(0, str(ROOT / "packaging"))
import build_deb  # noqa: E402


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("deb")
    package = build_deb.build(tmp, fast=True)
    root = tmp / "root"
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    info = subprocess.run(["dpkg-deb", "-f", str(package)], capture_output=True, text=True,
                          check=True).stdout
    return root, info


def test_control_names_the_package_and_derived_dependencies(unpacked) -> None:
    _root, info = unpacked
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    assert fields["Package"] == "fieldapp"
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert depends[0] == "libc6"
    # The GL and EGL loaders are the system's (never bundled): they must be depended on.
    assert "libgl1" in depends and "libegl1" in depends
    known = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\n", *depends],
                           capture_output=True, text=True, check=False)
    assert known.returncode == 0, known.stderr  # every one is a real, installed package


def test_files_where_desktops_look_for_them(unpacked) -> None:
    root, _info = unpacked
    share = root / "usr" / "share"
    desktop = share / "applications" / f"{APP_ID}.desktop"
    metainfo = share / "metainfo" / f"{APP_ID}.metainfo.xml"
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in (16, 32, 48, 64, 128, 256):
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    subprocess.run(["desktop-file-validate", str(desktop)], check=True)
    subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)], check=True,
                   capture_output=True)
    assert os.readlink(root / "usr" / "bin" / "fieldapp") == "../../opt/fieldapp/fieldapp"
    assert (root / "opt" / "fieldapp" / "fieldapp").stat().st_mode & 0o755 == 0o755


def test_installed_program_runs(unpacked, tmp_path: Path) -> None:
    root, _info = unpacked
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "PYTHON"))}
    result = subprocess.run([str(root / "usr" / "bin" / "fieldapp"), "--lang", "fr",
                             "--help"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    description = ("Record incidents and testimonies offline, encrypted; sync them when a "
                   "link appears.")
    assert " ".join(french(description).split()) in " ".join(result.stdout.split())
