"""No crash at exit: a long session (first run, a record written and edited, its history,
a language switch, lock and unlock, panic with the data kept, unlock, forms left open)
run through the real entry point in a process of its own, 20 times: exit 0 and nothing on
stderr each time (tests/gui/long_session.py also reports any Qt object of ours still
alive once the app has ended: those were destroyed during Python's final clean-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RUNS = 20
AT_ONCE = 2  # two sessions side by side: the 20 runs take about two minutes on 2 cores


def _start(tmp_path: Path, n: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               FIELDAPP_LOG_DIR=str(tmp_path / f"logs-{n}"),
               # the offscreen platform's own notices ("This plugin does not support
               # raise()") are not the app's output; a Python fatal error still shows
               QT_LOGGING_RULES="default.warning=false")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.gui.long_session", str(tmp_path / f"run-{n}" / "p")],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_long_session_ends_cleanly_twenty_times(tmp_path: Path) -> None:
    results = []
    for first in range(0, RUNS, AT_ONCE):
        running = [_start(tmp_path, n) for n in range(first, min(first + AT_ONCE, RUNS))]
        for proc in running:
            _out, err = proc.communicate(timeout=300)
            results.append((proc.returncode, err))
    bad = [(n, code, err[-1500:]) for n, (code, err) in enumerate(results)
           if code != 0 or err.strip()]
    assert bad == [], bad
