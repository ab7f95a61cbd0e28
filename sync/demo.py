"""The demo's embedded sync server: a `fieldapp server` process on 127.0.0.1 with a
throw-away data folder, and the demo profile registered as the project's coordinator, so
the Outbox and sync can be tried without any network."""

from __future__ import annotations

import atexit
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from fieldapp.fsutil import shred_tree
from fieldapp.membership import is_joined
from fieldapp.profile import Vault

from . import enroll
from .errors import ServerUnreachable

STARTUP_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoServer:
    """A running demo server; `stop()` ends it and removes its data."""

    url: str
    folder: Path
    process: subprocess.Popen = field(repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shred_tree(self.folder)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_demo_server(vault: Vault) -> DemoServer:
    """Start the server on a free loopback port; register ``vault`` as coordinator of a
    demo project when it has none yet. `ServerUnreachable` when it does not come up."""
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-demo-server-"))
    port = _free_port()
    # Our own program: the interpreter and module, or the frozen app's executable itself.
    program = [sys.executable] if getattr(sys, "frozen", False) else [
        sys.executable, "-m", "fieldapp.cli"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*program, "server", "--data", str(folder / "data"),
         "--host", "127.0.0.1", "--port", str(port), "--no-tls"],  # loopback: plain HTTP
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)  # noqa: PLW1509
    server = DemoServer(f"http://127.0.0.1:{port}", folder, process)
    # The demo server never outlives the app: stopped at exit even when the handle was
    # lost (app closed while the server was starting), and killed with a crashed app.
    atexit.register(server.stop)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise ServerUnreachable(reason="demo server did not start")
        try:
            if httpx.get(server.url + "/v1/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    token_file = folder / "data" / "bootstrap-token"
    if not is_joined(vault.conn) and token_file.exists():
        try:
            enroll.create_project(vault, server.url, "Démo", token_file.read_text().strip())
        except Exception:
            server.stop()
            raise
    return server
