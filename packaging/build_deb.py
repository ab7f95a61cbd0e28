"""Build the Debian package (.deb) from the frozen app folder (`make package`).

    .venv/bin/python packaging/build_deb.py [--fast]

Layout: the frozen folder in ``/opt/fieldapp/``, ``/usr/bin/fieldapp`` pointing to it, the
desktop file, the AppStream metainfo and the icon (SVG and PNG sizes) where desktops look
for them. ``Depends`` is derived, not guessed: every library the folder's programs and
plugins load from the system (ldd, the folder's own libraries first, as the frozen app's
loader does) mapped to its Debian package (ui.qt_platform.debian_package, checked against
dpkg -S by the tests). ``--fast`` compresses with gzip -1 (tests); the default is xz, for
the slow links the users download on. Prints the package path and size.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

import build_app  # noqa: E402

from fieldapp import APP_ID, APP_NAME, __version__  # noqa: E402
from ui.qt_platform import debian_packages  # noqa: E402

ICON_DIR = ROOT / "ui" / "icons" / "app"
MAINTAINER = "fieldapp developers <dev@fieldapp.invalid>"
_RESOLVED = re.compile(r"^\s*(\S+) => (/\S+)", re.MULTILINE)


def elf_files(folder: Path) -> list[Path]:
    """The ELF programs and libraries in ``folder``."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def system_libraries(folder: Path) -> list[str]:
    """Sonames the folder's ELF files load from outside it (sorted)."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(folder / "_internal")}
    sonames: set[str] = set()
    for path in elf_files(folder):
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env,
                             check=False).stdout
        for soname, where in _RESOLVED.findall(out):
            if not Path(where).resolve().is_relative_to(folder.resolve()):
                sonames.add(soname)
    return sorted(sonames)


def depends(folder: Path) -> str:
    """The Depends line: the packages of the system libraries, libc6 first."""
    packages = [p for p in debian_packages(system_libraries(folder)) if p != "libc6"]
    return ", ".join(["libc6", *sorted(set(packages))])


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def stage(folder: Path, root: Path) -> None:
    """Lay the package's files out under ``root``."""
    opt = root / "opt" / APP_NAME
    shutil.copytree(folder, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / APP_NAME).symlink_to(f"../../opt/{APP_NAME}/{APP_NAME}")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / f"{APP_ID}.desktop", share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy(ROOT / "packaging" / f"{APP_ID}.metainfo.xml", share / "metainfo")
    icons = share / "icons" / "hicolor"
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(ICON_DIR / f"{APP_ID}.svg", icons / "scalable" / "apps")
    for png in sorted(ICON_DIR.glob("*.png")):
        size = png.stem
        target = icons / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy(png, target / f"{APP_ID}.png")
    doc = share / "doc" / APP_NAME
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {APP_NAME}\n\nFiles: *\nCopyright: the fieldapp developers\n"
        "License: AGPL-3.0-or-later\n")


def control(folder: Path, installed_kb: int) -> str:
    return (f"Package: {APP_NAME}\nVersion: {__version__}\nArchitecture: {architecture()}\n"
            f"Maintainer: {MAINTAINER}\nInstalled-Size: {installed_kb}\n"
            f"Depends: {depends(folder)}\nSection: misc\nPriority: optional\n"
            "Homepage: https://fieldapp.org\n"
            "Description: offline, encrypted incident and testimony recording\n"
            " fieldapp lets human-rights monitors record incidents and testimonies\n"
            " pseudonymously on a laptop, for days with no network, and sends them to their\n"
            " coordinators when a link appears. Everything on disk is encrypted.\n")


def build(out_dir: Path | None = None, fast: bool = False) -> Path:
    """Build the .deb from the (cached) frozen app; its path."""
    folder = build_app.build(quiet=True)
    out_dir = out_dir or folder.parent.parent
    package = out_dir / f"{APP_NAME}_{__version__}_{architecture()}.deb"
    with tempfile.TemporaryDirectory(prefix="fieldapp-deb-") as tmp:
        root = Path(tmp) / "root"
        stage(folder, root)
        size_kb = sum(p.stat().st_size for p in root.rglob("*")
                      if p.is_file() and not p.is_symlink()) // 1024
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(control(folder, size_kb))
        for path in root.rglob("*"):  # what dpkg installs: readable by every user
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        compression = ["-Zgzip", "-z1"] if fast else ["-Zxz"]
        subprocess.run(["dpkg-deb", "--root-owner-group", *compression, "--build",
                        str(root), str(package)], check=True, capture_output=True)
    return package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="gzip -1 instead of xz")
    parser.add_argument("--out", type=Path, help="folder for the .deb")
    args = parser.parse_args()
    package = build(args.out, fast=args.fast)
    print(f"Debian package: {package}")
    print(f"size: {package.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
