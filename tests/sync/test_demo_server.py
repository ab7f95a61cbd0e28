"""The demo's embedded server never outlives the app that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

STARTER = """
import sys, tempfile
from pathlib import Path
from fieldapp.profile import Profile
from sync.demo import start_demo_server
vault, _ = Profile(Path(tempfile.mkdtemp()) / "p").create("Demo", "demo passphrase", 0)
server = start_demo_server(vault)
print(server.process.pid, flush=True)
if sys.argv[1] == "hang":
    sys.stdin.read()
# "exit": leave without calling server.stop(), as an app closed mid-start would
"""


def _gone(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # reap it if it is our grandchild turned zombie under init
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_demo_server_stops_with_the_app(how):
    proc = subprocess.Popen([sys.executable, "-c", STARTER, "hang" if how == "kill" else how],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    if how == "kill":
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    try:
        assert _gone(pid), "the demo server outlived its app"
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
