"""Launching: ``python -m fieldapp.cli`` (what ``make run`` runs) with and without a
display, and the single-instance guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from ui.app import acquire_instance_lock, instance_lock_path


def _launch(profile: Path, **env_changes: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(FIELDAPP_PROFILE=str(profile), FIELDAPP_LANG="en", PYTHONPATH=str(ROOT),
               FIELDAPP_LOG_DIR=str(profile.parent / "logs"))
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "fieldapp.cli"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def test_make_run_shows_first_run_then_exits(tmp_path: Path) -> None:
    profile = tmp_path / "home" / "profile"
    result = _launch(profile, QT_QPA_PLATFORM="offscreen", FIELDAPP_EXIT_AFTER_SHOW="1")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not profile.exists()  # nothing created before the user chooses
    assert not instance_lock_path(profile).exists()  # the guard was released


def test_no_display_says_so_in_one_line(tmp_path: Path) -> None:
    result = _launch(tmp_path / "p", QT_QPA_PLATFORM=None, DISPLAY=None,
                     WAYLAND_DISPLAY=None, FIELDAPP_EXIT_AFTER_SHOW="1")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "No display" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_second_instance_says_so_and_exits_1(qtbot, tmp_path: Path) -> None:
    profile = tmp_path / "home" / "profile"
    held = acquire_instance_lock(profile)
    assert held is not None
    try:
        assert acquire_instance_lock(profile) is None  # in-process too
        result = _launch(profile, QT_QPA_PLATFORM="offscreen", FIELDAPP_EXIT_AFTER_SHOW="1")
    finally:
        held.unlock()
    assert result.returncode == 1
    assert "already open" in result.stderr
    assert "Traceback" not in result.stderr
    again = acquire_instance_lock(profile)
    assert again is not None
    again.unlock()


def test_stale_lock_of_a_dead_process_is_taken_over(qtbot, tmp_path: Path) -> None:
    profile = tmp_path / "home" / "profile"
    path = instance_lock_path(profile)
    path.parent.mkdir(parents=True)
    path.write_text("999999\nfieldapp\n" + os.uname().nodename + "\n")  # QLockFile format
    lock = acquire_instance_lock(profile)
    assert lock is not None
    lock.unlock()


def test_saved_language_is_used_at_start(qtbot, tmp_path: Path, monkeypatch) -> None:
    from fieldapp import i18n
    from ui.app import run
    from ui.shell import Shell

    profile = tmp_path / "home" / "profile"
    writer = Shell(profile)
    writer.save_language("fr")
    writer.shutdown()
    monkeypatch.delenv("FIELDAPP_LANG", raising=False)
    monkeypatch.setenv("FIELDAPP_EXIT_AFTER_SHOW", "1")
    monkeypatch.setattr("sys.argv", ["fieldapp"])
    assert run(profile_dir=profile) == 0
    assert i18n.current_language() == "fr"
