"""`make run` on a real X display (Xvfb with a window manager, as a desktop has): the
first window is mapped and visible, carries the application icon, and its WM_CLASS is the
one the desktop file announces (so the dock groups it with its launcher)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp import APP_ID
from tests.conftest import ROOT

TOOLS = ("Xvfb", "openbox", "xdotool", "xwininfo", "xprop")


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read(ROOT / "packaging" / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb display with openbox managing its windows; its name (":N")."""
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        if os.geteuid() == 0:
            pytest.fail(f"make setup-test should have installed {missing}")
        pytest.skip(f"needs {missing} (make setup-test installs them as root)")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                             "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = ":" + pipe.readline().strip()
    env = {**os.environ, "DISPLAY": display, "HOME": str(tmp_path)}
    wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        yield display
    finally:
        for proc in (wm, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


def _x(display: str, *args: str, timeout: float = 10) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True,
                          timeout=timeout, env={**os.environ, "DISPLAY": display}).stdout


def test_fieldapp_opens_a_visible_window_on_a_real_display(x_display: str,
                                                            tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("fieldapp")
    args = [str(command)] if command.exists() else [sys.executable, "-m", "fieldapp.cli"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FIELDAPP_", "QT_", "WAYLAND_"))}
    env.update(DISPLAY=x_display, FIELDAPP_PROFILE=str(tmp_path / "home" / "profile"),
               FIELDAPP_LANG="fr", FIELDAPP_LOG_DIR=str(tmp_path / "logs"),
               HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    app = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        wm_class = _desktop_entry()["StartupWMClass"]
        try:
            found = _x(x_display, "xdotool", "search", "--sync", "--onlyvisible",
                       "--class", wm_class, timeout=60)
        except subprocess.TimeoutExpired:
            app.kill()
            pytest.fail(f"no visible window of class {wm_class}: {app.communicate()}")
        window = found.split()[0]
        info = _x(x_display, "xwininfo", "-id", window)
        assert "Map State: IsViewable" in info
        width = int(info.split("Width:")[1].split()[0])
        height = int(info.split("Height:")[1].split()[0])
        assert width >= 400 and height >= 300
        assert "bienvenue" in _x(x_display, "xdotool", "getwindowname", window)
        props = _x(x_display, "xprop", "-id", window, "WM_CLASS", "_NET_WM_ICON")
        assert f'"{wm_class}"' in props.splitlines()[0]
        assert "Icon (128 x 128)" in props and "Icon (16 x 16)" in props
        assert app.poll() is None
    finally:
        app.terminate()
        out, err = app.communicate(timeout=30)
    assert "Traceback" not in err
