"""Build the frozen one-folder desktop app with PyInstaller (`make package`), cached.

The build lands in ``packaging/build/app-<key>/dist/fieldapp/`` (git-ignored), where the
key hashes everything that goes in: our sources, catalogs, data, icons, the spec, and the
versions of Python and of the installed packages. A second run with the same key reuses
the folder at once; a changed source builds anew (older builds are removed).

    .venv/bin/python packaging/build_app.py [--force] [--quiet]

Prints the folder, its size and its file count; exit 0 when the folder is ready.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import platform
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "packaging" / "build"
INPUTS = ("fieldapp", "sync", "ui", "locales", "packaging/fieldapp.spec",
          "packaging/fieldapp_main.py", "pyproject.toml")
SKIP = ("__pycache__", ".pyc")


def source_key() -> str:
    """A hash of every input file (path and bytes) and of the installed packages."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            rel = file.relative_to(ROOT).as_posix()
            if any(part in rel for part in SKIP):
                continue
            digest.update(rel.encode() + b"\0" + file.read_bytes() + b"\0")
    # The packages installed in this environment (not whatever sys.path happens to hold:
    # the same build must get the same key from make, pytest and the benchmark).
    site = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    packages = sorted({f"{d.metadata['Name']}=={d.version}"
                       for d in importlib.metadata.distributions(path=site)})
    digest.update("\n".join([platform.python_version(), sys.platform, *packages]).encode())
    return digest.hexdigest()[:16]


def app_folder(key: str | None = None) -> Path:
    """Where the frozen app of ``key`` (default: of the current sources) is."""
    return BUILD / f"app-{key or source_key()}" / "dist" / "fieldapp"


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of ``folder``, symbolic links not followed."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def strip_debug(folder: Path) -> None:
    """Drop debugging sections from the Python runtime's own libraries (a Python built from
    source carries ~30 MB of them). Only those: wheels' libraries are already stripped, and
    strip can damage a library patched by auditwheel."""
    strip = shutil.which("strip")
    if strip is None or not sys.platform.startswith("linux"):
        return
    internal = folder / "_internal"
    targets = [*internal.glob("libpython3*.so*"),
               *(internal / f"python3.{sys.version_info.minor}" / "lib-dynload").glob("*.so")]
    targets = [str(p) for p in targets if p.is_file() and not p.is_symlink()]
    if targets:
        subprocess.run([strip, "--strip-debug", *targets], check=True)


def build(force: bool = False, quiet: bool = False) -> Path:
    """The frozen app's folder, built unless a build of the same sources exists."""
    key = source_key()
    work = BUILD / f"app-{key}"
    folder = app_folder(key)
    done = work / "complete"
    if done.is_file() and folder.is_dir() and not force:
        return folder
    BUILD.mkdir(parents=True, exist_ok=True)
    for old in BUILD.glob("app-*"):
        shutil.rmtree(old)
    started = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
           "--distpath", str(work / "dist"), "--workpath", str(work / "work"),
           "--log-level", "WARN", str(ROOT / "packaging" / "fieldapp.spec")]
    log = work / "pyinstaller.log"
    work.mkdir(parents=True)
    with log.open("wb") as out:
        result = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                check=False)
    if result.returncode != 0:
        sys.stderr.write(log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"PyInstaller failed (exit {result.returncode}); log: {log}")
    shutil.rmtree(work / "work", ignore_errors=True)  # intermediate files: not needed
    strip_debug(folder)
    done.write_text(f"{time.monotonic() - started:.0f} s\n")
    if not quiet:
        print(f"built in {time.monotonic() - started:.0f} s")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="build even when cached")
    parser.add_argument("--quiet", action="store_true", help="print only the folder")
    args = parser.parse_args()
    folder = build(force=args.force, quiet=args.quiet)
    if args.quiet:
        print(folder)
        return 0
    size, count = folder_size(folder)
    print(f"frozen app: {folder}")
    print(f"size: {size / 1e6:.1f} MB in {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
