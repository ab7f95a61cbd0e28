"""Attachment blobs on disk: ``DATA/blobs/<sha256>`` (0600), uploads in ``<sha256>.part``.

Blobs are already ciphertext (the client encrypts attachments before upload). A blob's
name is the hex SHA-256 of its bytes, validated against ``^[0-9a-f]{64}$`` before any path
is built, so no id can reach a file outside ``blobs/``. A chunk is appended and fsynced
before its new offset is acknowledged; a chunk cut mid-way is dropped whole, so an upload
resumes from the last acknowledged byte. The whole blob's SHA-256 is checked before it
is published under its final name (``os.replace``: atomic, a reader sees the whole blob
or none).

Several server processes may share the folder (docs/DEPLOY.md), and a client may send
one upload's chunks to any of them: an upload's writes are serialised by a lock file
``<sha256>.lock`` (`sync.server.locks.file_lock`, seen by every process), removed once the
blob is published. The ``.part`` name is shared on purpose: it is what lets an upload
resume on another process.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldapp.fsutil import FILE_MODE, fsync_dir, secure_mkdir, write_all

from .locks import file_lock

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BadBlobId(ValueError):
    """The id is not 64 lowercase hex characters."""


class OffsetMismatch(Exception):
    """The client's Upload-Offset differs from what is stored (current offset)."""

    def __init__(self, current: int) -> None:
        super().__init__(current)
        self.current = current


class BlobHashMismatch(Exception):
    """The completed blob does not hash to its id; the upload was reset."""


def check_id(blob_id: str) -> str:
    """``blob_id`` if it is a valid SHA-256 hex id, else `BadBlobId`."""
    if not isinstance(blob_id, str) or not _SHA256.fullmatch(blob_id):
        raise BadBlobId(blob_id)
    return blob_id


class BlobStore:
    """Files of uploads and finished blobs under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = secure_mkdir(root)

    @contextmanager
    def lock(self, blob_id: str) -> Iterator[None]:
        """Hold the lock serialising writes to one upload, across threads and processes
        (two PATCHes at once must not both pass the offset check). Once the blob is
        complete, the lock file is removed on release."""
        path = self.root / (check_id(blob_id) + ".lock")
        with file_lock(path, remove_if=lambda: self.exists(blob_id)):
            yield

    def _path(self, blob_id: str, part: bool) -> Path:
        name = check_id(blob_id) + (".part" if part else "")
        path = self.root / name
        if path.parent != self.root:  # defence in depth
            raise BadBlobId(blob_id)
        return path

    def final_path(self, blob_id: str) -> Path:
        return self._path(blob_id, part=False)

    def exists(self, blob_id: str) -> bool:
        return self._path(blob_id, part=False).is_file()

    def start(self, blob_id: str) -> None:
        """Create the empty ``.part`` file of an upload (idempotent)."""
        path = self._path(blob_id, part=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
            os.close(fd)
            fsync_dir(self.root)

    def offset(self, blob_id: str) -> int:
        """Bytes durably received so far (the length of the part file)."""
        if self.exists(blob_id):
            return self._path(blob_id, part=False).stat().st_size
        path = self._path(blob_id, part=True)
        return path.stat().st_size if path.exists() else 0

    def append(self, blob_id: str, offset: int, chunk: bytes) -> int:
        """Append ``chunk`` at ``offset`` (must equal the current length); fsync; return
        the new offset."""
        path = self._path(blob_id, part=True)
        if not path.exists():
            self.start(blob_id)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            current = os.fstat(fd).st_size
            if current != offset:
                raise OffsetMismatch(current)
            write_all(fd, chunk)
            os.fsync(fd)
            return current + len(chunk)
        finally:
            os.close(fd)

    def finish(self, blob_id: str) -> None:
        """Check the SHA-256 of the whole upload and publish it under its final name."""
        path = self._path(blob_id, part=True)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != blob_id:
            path.unlink(missing_ok=True)
            raise BlobHashMismatch(blob_id)
        os.replace(path, self._path(blob_id, part=False))
        fsync_dir(self.root)
