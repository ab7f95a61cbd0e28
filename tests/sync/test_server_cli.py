"""`fieldapp server` as a user runs it: clear one-line errors, token printed only while
the project is unregistered."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, free_port, register_project, start_server


def run_server(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fieldapp.cli", "--lang", "en", "server",
                           *args], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    port = free_port()
    done = run_server("--data", str(tmp_path / "d"), "--port", str(port), "--database",
                      f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "The server could not open its database: check the --database URL and that the "
        "database is running."]
    assert "Traceback" not in done.stderr + done.stdout
    bad = run_server("--data", str(tmp_path / "d"), "--database", "not a url")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_unwritable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_server("--data", str(blocker / "sub"), "--port", str(free_port()))
    assert done.returncode == 1
    assert done.stderr.strip() == "The server cannot write to its data folder."


def test_port_in_use_fails(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = run_server("--data", str(tmp_path / "d"), "--port", str(port))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_token_printed_only_until_registration(tmp_path: Path) -> None:
    server = start_server(tmp_path / "d")
    try:
        assert server.bootstrap_token and server.bootstrap_token in server.log.read_text()
        register_project(server)
        server = server.restart()
        tail = server.log.read_text().rsplit("Bootstrap token", 1)[-1]
        assert server.bootstrap_token is None
        assert "listening" in tail and not (tmp_path / "d" / "bootstrap-token").exists()
        assert server.log.read_text().count("Bootstrap token") == 1
    finally:
        server.stop()
