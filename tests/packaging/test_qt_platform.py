"""Qt's platform plugin: the libraries bootstrap installs are derived from ldd and mapped to
the right Debian packages (checked against dpkg -S), and a plugin that cannot load gives
one translated line and exit 1, never Qt's abort."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from ui import qt_platform
from ui.qt_platform import (
    QtPlatformUnavailable,
    check_platform,
    debian_package,
    platform_candidates,
    pyside_dir,
)

LINUX = sys.platform.startswith("linux")
needs_linux = pytest.mark.skipif(not LINUX, reason="ELF plugins and ldd: Linux only")


def _launch(tmp: Path, *args: str, **env_changes: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FIELDAPP_", "QT_", "WAYLAND_", "XDG_SESSION"))}
    env.update(FIELDAPP_PROFILE=str(tmp / "home" / "profile"), FIELDAPP_LANG="en",
               PYTHONPATH=str(ROOT), FIELDAPP_LOG_DIR=str(tmp / "logs"),
               FIELDAPP_EXIT_AFTER_SHOW="1")
    env.update(env_changes)
    return subprocess.run([sys.executable, *(args or ("-m", "fieldapp.cli"))],
                          capture_output=True, text=True, env=env, cwd=tmp, timeout=60)


def _plugin_missing_a_library(tmp: Path) -> tuple[Path, str]:
    """A copy of Qt's xcb plugin whose first libxcb-* dependency is renamed to a library
    no system has (same length, so the ELF string table keeps its layout). Returns the
    plugin folder and the missing soname."""
    real = pyside_dir() / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    data = real.read_bytes()
    match = re.search(rb"\x00(libxcb-[a-z-]+\.so\.\d+)\x00", data)
    assert match, "the xcb plugin names no libxcb-* library"
    old = match.group(1)
    new = b"libgone" + b"x" * (len(old) - len(b"libgone.so.9")) + b".so.9"
    assert len(new) == len(old)
    folder = tmp / "qt" / "plugins" / "platforms"
    folder.mkdir(parents=True)
    # The plugin finds Qt's own libraries through its RUNPATH, $ORIGIN/../../lib.
    (tmp / "qt" / "lib").symlink_to(real.parent.parent.parent / "lib")
    (folder / "libqxcb.so").write_bytes(data.replace(b"\x00" + old + b"\x00",
                                                     b"\x00" + new + b"\x00", 1))
    return folder, new.decode()


# --- the naming of plugins and packages ---------------------------------------------------
def test_candidates_follow_qt_order() -> None:
    assert platform_candidates({"QT_QPA_PLATFORM": "wayland;xcb:foo=1"}) == ["wayland", "xcb"]
    assert platform_candidates({"QT_QPA_PLATFORM": "offscreen"}) == ["offscreen"]
    assert platform_candidates({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland", "xcb"]
    assert platform_candidates({"DISPLAY": ":0"}) == ["xcb"]


def test_debian_naming_rule_and_exceptions() -> None:
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    assert debian_package("libgssapi_krb5.so.2") == "libgssapi-krb5-2"
    assert debian_package("libglib-2.0.so.0") == "libglib2.0-0"


def _dpkg_owners(paths: list[str]) -> dict[str, set[str]]:
    """soname -> the packages dpkg says ship it, for the files ldd resolved (one dpkg call;
    with merged /usr a file may be registered under /lib or /usr/lib)."""
    variants = {v for p in paths for v in (p, p.removeprefix("/usr"), "/usr" + p)
                if v.startswith(("/lib", "/usr/lib"))}
    out = subprocess.run(["dpkg", "-S", *sorted(variants)], capture_output=True,
                         text=True, check=False).stdout
    owners: dict[str, set[str]] = {}
    for line in out.splitlines():
        packages, _, path = line.partition(": ")
        for package in packages.split(", "):
            owners.setdefault(Path(path).name, set()).add(package.split(":", 1)[0])
    return owners


@needs_linux
@pytest.mark.skipif(not shutil.which("dpkg"), reason="checked against dpkg: Debian only")
def test_every_library_qt_links_maps_to_the_package_dpkg_names() -> None:
    """Every system library ldd lists for Qt's plugins and modules: our rule names the
    package dpkg says ships it (so bootstrap installs the right ones on a fresh machine)."""
    sonames: dict[str, str] = {}  # soname -> the path ldd resolved (or 'not')
    for path in qt_platform.linked_files():
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True,
                             check=False).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "=>" and "PySide6" not in parts[2]:
                sonames[parts[0]] = parts[2]
    assert "libxcb.so.1" in sonames and len(sonames) > 30
    owners = _dpkg_owners([p for p in sonames.values() if p.startswith("/")])
    checked, wrong = 0, []
    for soname in sonames:
        if soname not in owners:
            continue  # not installed here (bootstrap would have installed it)
        checked += 1
        if debian_package(soname) not in owners[soname]:
            wrong.append(f"{soname}: rule says {debian_package(soname)}, "
                         f"dpkg says {sorted(owners[soname])}")
    assert not wrong, "\n".join(wrong)
    assert checked > 30


@needs_linux
def test_bootstrap_list_is_what_ldd_reports_missing(tmp_path: Path) -> None:
    """`--missing-debian-packages` lists the packages of the libraries ldd cannot find."""
    folder, gone = _plugin_missing_a_library(tmp_path)
    assert gone in qt_platform.missing_libraries(folder / "libqxcb.so")
    result = subprocess.run([sys.executable, "-m", "ui.qt_platform",
                             "--missing-debian-packages"], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    expected = qt_platform.debian_packages(qt_platform.missing_for_qt())
    assert result.stdout.split() == expected


# --- the app says what is missing instead of aborting ------------------------------------
@needs_linux
def test_check_raises_with_missing_libraries_and_packages(tmp_path: Path) -> None:
    folder, gone = _plugin_missing_a_library(tmp_path)
    env = {"QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(folder)}
    with pytest.raises(QtPlatformUnavailable) as caught:
        check_platform(env)
    assert caught.value.params["platform"] == "xcb"
    assert gone in caught.value.params["missing"].split(", ")
    assert debian_package(gone) in caught.value.params["packages"].split()


@needs_linux
def test_missing_library_is_one_translated_line_not_an_abort(tmp_path: Path) -> None:
    folder, gone = _plugin_missing_a_library(tmp_path)
    env = {"QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(folder),
           "DISPLAY": ":99"}
    # Qt itself aborts in this setup (SIGABRT): what users saw before.
    bare = _launch(tmp_path, "-c", "from PySide6.QtWidgets import QApplication; "
                   "QApplication([])", **env)
    assert bare.returncode < 0 or bare.returncode == 134, bare
    for lang, words in (("en", "cannot open a window"), ("fr", "ne peut pas ouvrir")):
        result = _launch(tmp_path, "-m", "fieldapp.cli", "--lang", lang, **env)
        assert result.returncode == 1, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert words in lines[0]
        assert gone in lines[0]
        assert f"apt-get install {debian_package(gone)}" in lines[0] or not shutil.which(
            "apt-get")
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "home" / "profile").exists()


def _xcb_loads() -> bool:
    return LINUX and not qt_platform.missing_libraries(
        pyside_dir() / "Qt" / "plugins" / "platforms" / "libqxcb.so")


@needs_linux
def test_display_that_cannot_be_reached_is_one_line_not_an_abort(tmp_path: Path) -> None:
    """The plugin loads but no X server answers: Qt's fatal error becomes our line."""
    if not _xcb_loads():
        if os.geteuid() == 0:
            pytest.fail("bootstrap (make setup-test) should have installed the xcb libraries")
        pytest.skip("the xcb plugin's libraries are not installed (run make setup-test)")
    result = _launch(tmp_path, "-m", "fieldapp.cli", QT_QPA_PLATFORM="xcb",
                     DISPLAY=":97")
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Qt could not start its “xcb” display plugin" in lines[0]
    assert "DISPLAY=:97" in lines[0]
