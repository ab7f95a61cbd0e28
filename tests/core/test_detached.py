"""The detached overwriting process: no terminal, no secret, its job only through a pipe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp import detached
from fieldapp.detached import OverwriteJob
from fieldapp.fsutil import shred_contents

SECRET = "duress words nobody may read"


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    keep = tmp_path / "vault-1.db"
    keep.write_bytes(b"old vault page " * 5000)
    gone = tmp_path / "vault-1.db-wal"
    gone.write_bytes(b"old wal frame " * 100)
    folder = tmp_path / "vault-1.files"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.stored").write_bytes(b"attachment " * 100)
    (folder / "sub" / "b.stored").write_bytes(b"attachment " * 100)
    return keep, gone, folder


def _assert_done(keep: Path, gone: Path, folder: Path, length: int = 75_000) -> None:
    data = keep.read_bytes()
    assert len(data) == length and b"old vault page" not in data
    assert not gone.exists()
    assert folder.is_dir() and list(folder.iterdir()) == []


def _ignores_sighup(proc_dir: Path) -> bool:
    for line in (proc_dir / "status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)))
    return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_child_is_detached_and_holds_no_secret(tmp_path, monkeypatch):
    """What a process list, /proc or a closing terminal sees of the child."""
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", SECRET)
    monkeypatch.setenv("FIELDAPP_DURESS_PASSPHRASE", SECRET)
    keep, gone, folder = _files(tmp_path)
    proc = detached.spawn()  # it waits for its job on stdin: look at it now
    try:
        proc_dir = Path(f"/proc/{proc.pid}")
        deadline = time.monotonic() + 60
        while not _ignores_sighup(proc_dir):  # started: in main(), waiting for its job
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        cmdline = (proc_dir / "cmdline").read_bytes().split(b"\0")
        environ = (proc_dir / "environ").read_bytes()
        assert cmdline[:3] == [sys.executable.encode(), b"-m", b"fieldapp.detached"]
        assert str(tmp_path).encode() not in b"".join(cmdline)
        assert SECRET.encode() not in environ and b"FIELDAPP" not in environ
        # its own session and process group, and no controlling terminal (tty_nr 0)
        assert os.getsid(proc.pid) == proc.pid != os.getsid(0)
        assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)
        stat_fields = (proc_dir / "stat").read_text().rsplit(")", 1)[1].split()
        assert stat_fields[4] == "0"
        assert int(stat_fields[16]) >= 10  # nice: the decoy's opening goes first
        assert os.readlink(proc_dir / "fd" / "1") == os.devnull
        assert os.readlink(proc_dir / "fd" / "2") == os.devnull
        assert os.readlink(proc_dir / "cwd") == "/"
        assert proc.stdin is not None
        proc.stdin.write(OverwriteJob([keep], [gone], [folder], cut_to=4096).dumps())
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _assert_done(keep, gone, folder, length=4096)


def test_start_returns_and_the_job_is_done(tmp_path):
    keep, gone, folder = _files(tmp_path)
    handle = detached.start(OverwriteJob([keep], [gone], [folder]))
    assert handle.pid is not None and handle.pid != os.getpid()
    assert handle.wait(timeout=60)
    _assert_done(keep, gone, folder)


def test_without_a_child_the_job_runs_in_a_thread(tmp_path, monkeypatch):
    def no_python():
        raise OSError("no interpreter")

    monkeypatch.setattr(detached, "spawn", no_python)
    keep, gone, folder = _files(tmp_path)
    handle = detached.start(OverwriteJob([keep], [gone], [folder]))
    assert handle.pid is None
    assert handle.wait(timeout=60)
    _assert_done(keep, gone, folder)


def test_a_child_that_fails_has_its_job_redone_here(tmp_path, monkeypatch):
    """A child that reads its job and exits without doing it (killed, or a broken
    install): the parent, while it lives, does the job itself."""
    def failing_child():
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    monkeypatch.setattr(detached, "spawn", failing_child)
    keep, gone, folder = _files(tmp_path)
    handle = detached.start(OverwriteJob([keep], [gone], [folder]))
    assert handle.wait(timeout=60)
    _assert_done(keep, gone, folder)


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"overwrite": "x"}',
                                 b'{"shred": ["relative/path"]}', b'{"empty": [1]}',
                                 b'{"cut_to": -1}', b'{"cut_to": "9"}', b"\xff\xfe"])
def test_a_bad_job_is_refused_and_touches_nothing(tmp_path, raw):
    keep, gone, folder = _files(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "fieldapp.detached"], input=raw,
                          capture_output=True, env=detached.child_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == b"" and proc.stderr == b""
    assert keep.read_bytes() == b"old vault page " * 5000 and gone.exists()


def test_job_round_trip():
    job = OverwriteJob([Path("/a/vault-0.db")], [Path("/a/vault-0.db-wal")], [Path("/a/f")])
    assert OverwriteJob.loads(job.dumps()) == job
    job.cut_to = 303_104
    assert OverwriteJob.loads(job.dumps()) == job


def test_shred_contents_keeps_the_folder(tmp_path):
    folder = tmp_path / "vault-0.files"
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "deep" / "er" / "x.stored").write_bytes(b"x" * 100)
    (folder / "y.stored").write_bytes(b"y" * 100)
    inode = folder.stat().st_ino
    pinned = os.open(folder, os.O_RDONLY)
    try:
        shred_contents(folder)
        assert list(folder.iterdir()) == []
        assert os.fstat(pinned).st_nlink > 0 and folder.stat().st_ino == inode
    finally:
        os.close(pinned)
    shred_contents(tmp_path / "missing")  # nothing there: nothing to do
