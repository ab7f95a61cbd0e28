"""File-system habits of the house: folders 0700, files 0600, atomic durable writes, shredding.

Every profile file is written through here so the modes and the fsync discipline cannot be
forgotten in one place and kept in another.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from .errors import DiskFull, UnreadableFile

FILE_MODE = 0o600
DIR_MODE = 0o700


def secure_mkdir(path: Path) -> Path:
    """Create ``path`` (and parents) 0700; tighten an existing folder to 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` durably and atomically, mode 0600.

    A crash leaves either the old file or the new one, never a half one; a full disk
    raises `DiskFull` and leaves the old file untouched.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull() from exc
        raise


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (one ``os.write`` may take only part)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def create_private(path: Path) -> int:
    """Open a new file 0600 for writing (exclusive); returns the descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def overwrite(path: Path) -> None:
    """Overwrite a file in place with random bytes of the same length, and fsync it."""
    try:
        size = path.stat().st_size
        with path.open("r+b", buffering=0) as fh:
            remaining = size
            while remaining > 0:
                n = min(remaining, 1 << 20)
                fh.write(secrets.token_bytes(n))
                remaining -= n
            os.fsync(fh.fileno())
    except OSError:
        pass


def shred(path: Path) -> None:
    """Overwrite a file with random bytes, fsync, then unlink it.

    On flash storage and journalling file systems an overwrite is not a guarantee, which is
    why everything is encrypted first: shredding the small keyslot file is what destroys
    the data (crypto-shredding); overwriting the big files is a second layer.
    """
    if not path.exists():
        return
    overwrite(path)
    path.unlink(missing_ok=True)


def cut_in_place(path: Path, length: int = 0) -> None:
    """Cut a file to at most ``length`` bytes where it stands (same file, same birth time),
    and fsync it."""
    with path.open("r+b", buffering=0) as fh:
        if os.fstat(fh.fileno()).st_size > length:
            fh.truncate(length)
        os.fsync(fh.fileno())


def shred_contents(folder: Path) -> None:
    """Shred every file under ``folder`` and remove its subfolders; the folder itself stays
    (its creation time is the profile's, like its twin's)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for child in list(folder.iterdir()):
        shred_tree(child)


def shred_tree(path: Path) -> None:
    """Shred every file under ``path``, then remove the folders."""
    if not path.exists():
        return
    if path.is_file() or path.is_symlink():
        shred(path)
        return
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_symlink() or child.is_file():
            shred(child)
        elif child.is_dir():
            child.rmdir()
    path.rmdir()


def read_input(path: str, limit: int = 16 << 20) -> bytes:
    """Read a user-given input file (``-`` = stdin), at most ``limit`` bytes."""
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(path=path, reason=exc.strerror or str(exc)) from exc
    if len(data) > limit:
        raise UnreadableFile(path=path, reason="too large")
    return data
