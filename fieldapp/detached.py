"""Overwriting files in a process that outlives the command which asked for it.

A duress unlock makes the real vault unreadable at once, by rewriting the keyslot file;
overwriting the vault's own files is a second layer that takes seconds for a large vault
(hundreds of MB of attachments). Neither the command line nor the desktop app may wait for
it (a pause is what gives a duress unlock away), and it must still finish when the command
has returned and its terminal is closed. So it runs in a detached child process,
``python -m fieldapp.detached``:

* POSIX: ``start_new_session``. The child leads a new session, with no controlling
  terminal and its own process group, so the SIGHUP a closing terminal sends to its
  session and foreground process group never reaches it. It also ignores SIGHUP and
  SIGINT, and lowers its priority (nice 10) so the decoy's opening is not slowed.
* Windows (written from the documentation, not tested here: CI runs Linux):
  ``DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | BELOW_NORMAL_PRIORITY_CLASS``. The child
  has no console, so closing the console window (CTRL_CLOSE_EVENT) does not end it, and
  Ctrl+C / Ctrl+Break sent to the app's process group do not reach it. A launcher that puts
  its processes in a job object killed on close would still end it; the data is noise by
  then (the keyslot went first), only the second layer would be cut short.
* Its standard output and error are the null device; its standard input is the pipe that
  carries the job (JSON: files to overwrite in place and how far to cut them, files to
  shred, folders to empty),
  then the null device. Its command line names no file and no reason, and its environment
  holds only what Python needs to start: never the ``FIELDAPP_*`` variables, which may
  hold passphrases. Its working folder is the file system's root, so it keeps no folder
  busy (a USB stick can still be unmounted).

Where no child can be started, the job runs in a thread of this process instead (as it
did before): the process then lasts until the overwriting ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .fsutil import cut_in_place, overwrite, shred, shred_contents

MAX_JOB_BYTES = 1 << 20
#: Environment variables the child may need to start Python (nothing else is passed on).
_KEEP_ENV = ("PATH", "SYSTEMROOT", "PYTHONHOME")
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class OverwriteJob:
    """Files to overwrite in place (kept: same name and creation time; once overwritten in
    full, cut to at most ``cut_to`` bytes when given), files to shred (overwritten, then
    removed), folders to empty (files shredded, the folder kept)."""

    overwrite: list[Path] = field(default_factory=list)
    shred: list[Path] = field(default_factory=list)
    empty: list[Path] = field(default_factory=list)
    cut_to: int | None = None

    def run(self) -> None:
        """Do the job here, in order: the database first, the big attachments last."""
        for path in self.overwrite:
            overwrite(path)
            if self.cut_to is not None:
                try:
                    cut_in_place(path, self.cut_to)
                except OSError:
                    pass
        for path in self.shred:
            shred(path)
        for folder in self.empty:
            shred_contents(folder)

    def dumps(self) -> bytes:
        data: dict[str, object] = {name: [str(p) for p in getattr(self, name)]
                                   for name in ("overwrite", "shred", "empty")}
        data["cut_to"] = self.cut_to
        return json.dumps(data).encode()

    @classmethod
    def loads(cls, raw: bytes) -> OverwriteJob:
        """The job from `dumps`; ValueError if it is not one (cut short, or not ours)."""
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a job")
        lists = {}
        for name in ("overwrite", "shred", "empty"):
            items = data.get(name, [])
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"bad {name}")
            if not all(Path(i).is_absolute() for i in items):
                raise ValueError("relative path")
            lists[name] = [Path(i) for i in items]
        cut_to = data.get("cut_to")
        if cut_to is not None and (type(cut_to) is not int or cut_to < 0):
            raise ValueError("bad cut_to")
        return cls(**lists, cut_to=cut_to)


class Overwriting:
    """A job under way, in a detached process (``pid``) or, failing that, in a thread."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid
        self._done = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job to end; False if it still runs after ``timeout`` seconds.
        (From this process only: once it has exited, the detached child is on its own.)"""
        return self._done.wait(timeout)

    def _finish(self) -> None:
        self._done.set()


def start(job: OverwriteJob) -> Overwriting:
    """Start ``job`` in a detached process and return at once (see the module's docstring)."""
    try:
        proc = spawn()
    except OSError:
        return _in_thread(job)
    try:
        assert proc.stdin is not None
        proc.stdin.write(job.dumps())
        proc.stdin.close()
    except OSError:  # the child died before reading its job
        proc.kill()
        proc.wait()
        return _in_thread(job)
    handle = Overwriting(proc.pid)
    # A daemon thread: it never keeps the command line's process alive; in the desktop app
    # it collects the child (no zombie left) and redoes the job here if the child failed.
    threading.Thread(target=_collect, args=(proc, job, handle), daemon=True,
                     name="overwrite-collect").start()
    return handle


def spawn() -> subprocess.Popen[bytes]:
    """``python -m fieldapp.detached``, detached, waiting for its job on standard input."""
    if getattr(sys, "frozen", False) or not sys.executable:
        raise OSError("no Python interpreter to start")
    if os.name == "nt":
        flags = (subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
                 | subprocess.BELOW_NORMAL_PRIORITY_CLASS)
        return subprocess.Popen([sys.executable, "-m", "fieldapp.detached"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, close_fds=True, env=child_env(),
                                cwd=_PACKAGE_ROOT.anchor, creationflags=flags)
    return subprocess.Popen([sys.executable, "-m", "fieldapp.detached"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, close_fds=True, env=child_env(),
                            cwd="/", start_new_session=True)


def child_env() -> dict[str, str]:
    """The child's whole environment: how to start Python and find this package."""
    env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
    env["PYTHONPATH"] = str(_PACKAGE_ROOT)
    return env


def _collect(proc: subprocess.Popen[bytes], job: OverwriteJob, handle: Overwriting) -> None:
    try:
        if proc.wait() != 0:
            job.run()
    finally:
        handle._finish()


def _in_thread(job: OverwriteJob) -> Overwriting:
    handle = Overwriting()

    def work() -> None:
        try:
            job.run()
        finally:
            handle._finish()

    threading.Thread(target=work, name="overwrite").start()
    return handle


def _detach_from_signals() -> None:
    if os.name == "nt":
        return
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(10)
    except OSError:
        pass


def main() -> int:
    """The detached child: read the job from standard input, then do it."""
    _detach_from_signals()
    try:
        raw = sys.stdin.buffer.read(MAX_JOB_BYTES + 1)
    finally:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    if len(raw) > MAX_JOB_BYTES:
        return 2
    try:
        job = OverwriteJob.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return 2
    job.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
