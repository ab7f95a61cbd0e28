"""Locks shared by several server processes on one data folder.

A deployment may run several `fieldapp server` processes on the same PostgreSQL database
and the same data folder (docs/DEPLOY.md). The database serialises what is in it; files
in the data folder (the receipt key, the bootstrap token, uploads in progress) are guarded
here with `flock`, which every process on the machine sees (each acquisition opens its
own descriptor, so threads of one process exclude each other too; a thread lock taken
first keeps them from queueing inside the kernel). Where `fcntl` does not exist (Windows:
the desktop demo, one process) only the thread lock is taken.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldapp.fsutil import FILE_MODE

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# In the data folder: held while a process makes or reads what all must share (receipt
# key, self-signed certificate, bootstrap token) and runs the migrations.
START_LOCK = ".start-lock"

_guard = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


def _thread_lock(path: Path) -> threading.Lock:
    with _guard:
        if len(_thread_locks) > 10_000:
            for key in [k for k, v in _thread_locks.items() if not v.locked()]:
                del _thread_locks[key]
        return _thread_locks.setdefault(str(path), threading.Lock())


@contextmanager
def file_lock(path: Path, *, remove_if: Callable[[], bool] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the lock file ``path`` (created 0600). When ``remove_if``
    says so at the end, the file is deleted before it is released (a lock needed no
    more, such as a finished upload's); a process that opened it meanwhile notices and
    retries on the new file, so two holders can never coexist."""
    with _thread_lock(path):
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    same = os.stat(path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
            except BaseException:
                os.close(fd)
                raise
            if same:
                break
            os.close(fd)  # removed by its last holder: lock the new file instead
        try:
            yield
        finally:
            try:
                if remove_if is not None and remove_if():
                    os.unlink(path)
            except FileNotFoundError:
                pass
            finally:
                os.close(fd)
