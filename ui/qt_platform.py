"""Can Qt open a window here? Asked before the QApplication exists, because Qt aborts the
whole process (SIGABRT) when no platform plugin loads: a monitor would see a crash, not a
reason.

`check_platform` tries to load the platform plugin Qt is about to use (dlopen, as Qt
would); when it cannot, `ldd` names every system library missing and the error carries
the Debian packages that hold them. `fatal_guard` turns any other fatal Qt start-up error
(a display that cannot be reached…) into one line and exit code 1.

The same knowledge installs them: ``python -m ui.qt_platform --missing-debian-packages``
lists the packages holding the libraries that Qt's plugins and the Qt modules fieldapp
uses link against and that this system lacks; packaging/bootstrap.sh installs them.
Sonames map to packages by Debian's naming rule plus the exceptions below;
tests/packaging/test_qt_platform.py checks every mapping against ``dpkg -S``.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldapp.errors import FieldappError

#: What Qt links against for a window on Linux: the platform plugins (X11, Wayland,
#: offscreen), their helpers, and the Qt modules fieldapp uses (paths under PySide6/).
LINKED_FILES = (
    "Qt/plugins/platforms/libqxcb.so",
    "Qt/plugins/platforms/libqwayland.so",
    "Qt/plugins/platforms/libqoffscreen.so",
    "Qt/plugins/xcbglintegrations/*.so",
    "Qt/plugins/wayland-shell-integration/*.so",
    "Qt/plugins/wayland-graphics-integration-client/*.so",
    "Qt/plugins/imageformats/*.so",
    "Qt/plugins/iconengines/*.so",
    "Qt/plugins/printsupport/*.so",
    "QtCore.abi3.so",
    "QtGui.abi3.so",
    "QtWidgets.abi3.so",
    "QtSvg.abi3.so",
    "QtCharts.abi3.so",
    "QtPrintSupport.abi3.so",
    "QtPdf.abi3.so",
)

#: Sonames whose Debian package does not follow the naming rule (`debian_package`).
PACKAGE_EXCEPTIONS = {
    "libGLdispatch.so.0": "libglvnd0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libjpeg.so.62": "libjpeg62-turbo",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libgcc_s.so.1": "libgcc-s1",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
    "libresolv.so.2": "libc6",
    "ld-linux-x86-64.so.2": "libc6",
    "ld-linux-aarch64.so.1": "libc6",
    "libpangoft2-1.0.so.0": "libpango-1.0-0",
    "libpangocairo-1.0.so.0": "libpango-1.0-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libcairo-gobject.so.2": "libcairo-gobject2",
}

_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)
_SONAME = re.compile(r"^(lib.+?)\.so\.(\d+(?:\.\d+)*)$")


class QtPlatformUnavailable(FieldappError):
    """Qt cannot open a window here (platform; missing: sonames; packages: Debian
    packages holding them; display: for a plugin that loads but cannot start)."""


# --- which plugin, where --------------------------------------------------------------
def pyside_dir() -> Path | None:
    """The PySide6 package folder (also inside a frozen app), found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def platform_candidates(env: os._Environ[str] | dict[str, str] | None = None) -> list[str]:
    """The platform plugins Qt will try, in its order: QT_QPA_PLATFORM ("wayland;xcb",
    arguments after ":" dropped), else Wayland first in a Wayland session, then X11."""
    env = os.environ if env is None else env
    wanted = env.get("QT_QPA_PLATFORM", "").strip()
    if wanted:
        return [name.split(":", 1)[0].strip() for name in wanted.split(";") if name.strip()]
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"]
    return ["xcb"]


def plugin_file(platform: str, env: os._Environ[str] | dict[str, str] | None = None
                ) -> Path | None:
    """The file Qt loads for ``platform``: QT_QPA_PLATFORM_PLUGIN_PATH first, then
    PySide6's own plugins; None when there is none (Qt then reports it itself)."""
    env = os.environ if env is None else env
    folders = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep)
               if p]
    base = pyside_dir()
    if base is not None:
        folders.append(base / "Qt" / "plugins" / "platforms")
    for folder in folders:
        path = folder / f"libq{platform}.so"
        if path.is_file():
            return path
    return None


# --- what is missing ------------------------------------------------------------------
def missing_libraries(path: Path, load_error: str = "") -> list[str]:
    """Sonames ``path`` needs that this system lacks, as ``ldd`` reports them (in order,
    once each); without ldd, the one the loader named in ``load_error``."""
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        found = list(dict.fromkeys(_NOT_FOUND.findall(out)))
        if found:
            return found
    first = load_error.split(":", 1)[0].strip()
    return [first] if _SONAME.match(first) else []


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname``: Debian's rule for library packages (name
    and major version, a hyphen between two digits, lower case, ``_`` as ``-``) or a known
    exception (`PACKAGE_EXCEPTIONS`)."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    match = _SONAME.match(soname)
    if match is None:
        return soname
    name, version = match.group(1), match.group(2).split(".")[0]
    joiner = "-" if name[-1].isdigit() else ""
    return f"{name}{joiner}{version}".lower().replace("_", "-")


def debian_packages(sonames: Iterable[str]) -> list[str]:
    """The packages holding ``sonames``, in order, once each."""
    return list(dict.fromkeys(debian_package(s) for s in sonames))


def linked_files(base: Path | None = None) -> list[Path]:
    """The files of `LINKED_FILES` present in this PySide6."""
    base = pyside_dir() if base is None else base
    if base is None:
        return []
    files: list[Path] = []
    for pattern in LINKED_FILES:
        files.extend(sorted(base.glob(pattern)))
    return files


def missing_for_qt(base: Path | None = None) -> list[str]:
    """Every soname that Qt's plugins and modules (`LINKED_FILES`) lack here."""
    missing: dict[str, None] = {}
    for path in linked_files(base):
        missing.update(dict.fromkeys(missing_libraries(path)))
    return list(missing)


# --- before QApplication --------------------------------------------------------------
def check_platform(env: os._Environ[str] | dict[str, str] | None = None,
                   load: Callable[[str], object] = ctypes.CDLL) -> None:
    """Raise `QtPlatformUnavailable` when none of the platform plugins Qt will try can be
    loaded; return at once when one can (it stays loaded: Qt loads the same file).
    Linux only: Windows and macOS builds carry every library their plugins need."""
    if not sys.platform.startswith("linux"):
        return
    failures: dict[str, list[str]] = {}
    for platform in platform_candidates(env):
        path = plugin_file(platform, env)
        if path is None:
            return  # not a plugin we can inspect: Qt reports it (fatal_guard)
        try:
            load(str(path))
        except OSError as exc:
            failures[platform] = missing_libraries(path, str(exc))
        else:
            return
    platform = "xcb" if "xcb" in failures else next(iter(failures))
    missing = failures[platform]
    raise QtPlatformUnavailable(platform=platform, missing=", ".join(missing),
                                packages=" ".join(debian_packages(missing)),
                                apt=bool(shutil.which("apt-get")))


@contextmanager
def fatal_guard(platform: str = "") -> Iterator[None]:
    """While creating the QApplication: Qt's warnings are held back, and a fatal error
    (Qt would abort next) prints one translated line and ends the process with code 1.
    The warnings held back are printed afterwards when all went well."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from fieldapp.messages import user_message

    held: list[str] = []
    failed = platform or ",".join(platform_candidates())

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            sys.stderr.write(user_message(QtPlatformUnavailable(
                platform=failed, display=os.environ.get("DISPLAY", ""))) + "\n")
            sys.stderr.flush()
            os._exit(1)  # Qt calls abort() as soon as this returns
        category = getattr(context, "category", "") or ""
        held.append(f"{category}: {message}" if category else message)

    qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(None)
    for line in held:
        sys.stderr.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    """``--missing-debian-packages``: print the packages to install, one per line."""
    parser = argparse.ArgumentParser(prog="python -m ui.qt_platform",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--missing-debian-packages", action="store_true", required=True)
    parser.parse_args(argv)
    for package in debian_packages(missing_for_qt()):
        print(package)
    return 0


if __name__ == "__main__":
    sys.exit(main())
