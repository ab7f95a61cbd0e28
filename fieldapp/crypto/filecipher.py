"""Encrypted attachment files: AES-256-GCM in 64 KiB chunks with STREAM-style nonces.

Layout of a file::

    header   magic "FAEF" | version (1 byte) | nonce prefix (7 random bytes)   = 12 bytes
    chunk i  AES-GCM(key, nonce = prefix | i as 4-byte big-endian | last flag,
                     plaintext chunk i (64 KiB, the last one 0..64 KiB),
                     aad = header | context)                               = len + 16

Version 2 pads the plaintext before sealing it: ``data ‖ 0x80 ‖ 0x00 …`` up to the Padmé
length (https://lbarman.ch/blog/padme/) of len(data) + 1, at most about 12 % more, so the
size of a file (on disk, on the server, in a bundle) no longer tells which known file it
is: files differing by a few bytes give the same size. Reading strips the padding (and
still reads version 1 files, which have none).

The counter in the nonce makes a reordered chunk fail; the last-chunk flag makes a file cut
at a chunk boundary fail (its final chunk was sealed as "not last"); the header in the AAD
binds magic, version and prefix, and ``context`` (the attachment id and role) binds a file
to its database row. Each file has its own key, so nonces never repeat under one key.

Files are written under a temporary name in the destination folder (ciphertext only, 0600),
fsynced, then renamed into place: a crash leaves either no file or a whole one. Plaintext
never touches the disk here.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import AttachmentDamaged, DiskFull
from ..fsutil import FILE_MODE, fsync_dir

MAGIC = b"FAEF"
VERSION = 2
PADDED_VERSIONS = (2,)
READABLE_VERSIONS = (1, 2)
PAD_MARK = 0x80
PREFIX_LEN = 7
HEADER_LEN = len(MAGIC) + 1 + PREFIX_LEN
CHUNK = 64 * 1024
TAG = 16
KEY_LEN = 32
_MAX_CHUNKS = 1 << 32

Source = bytes | bytearray | memoryview | Iterable[bytes] | BinaryIO


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class Sealed:
    """What `encrypt_to` wrote: plaintext size and SHA-256, ciphertext size."""

    size: int
    sha256: str
    cipher_size: int


def padme(length: int) -> int:
    """The Padmé length for ``length`` bytes: its low bits rounded up so that at most
    O(log log length) bits say anything (overhead at most about 12 %)."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def padded_size(length: int) -> int:
    """Bytes of the sealed file holding ``length`` plaintext bytes (version 2)."""
    padded = padme(length + 1)
    return HEADER_LEN + padded + TAG * max(1, -(-padded // CHUNK))


def new_key() -> bytes:
    """A fresh random 32-byte file key."""
    return secrets.token_bytes(KEY_LEN)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= _MAX_CHUNKS:
        raise ValueError("file too large for one key")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _pieces(source: Source) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    read = getattr(source, "read", None)
    if read is not None:
        while True:
            piece = read(CHUNK)
            if not piece:
                return
            yield piece
    else:
        yield from source  # type: ignore[misc]


class SealingWriter:
    """`encrypt_to` as a file object: ``write()`` plaintext, ``close()`` seals the last
    chunk, fsyncs and renames into place, returning `Sealed`. For producers that push
    (a PDF writer) rather than hand over an iterator. Used as a context manager, an
    exception leaves no file behind. Refuses to replace a file."""

    def __init__(self, path: Path, key: bytes, *, context: bytes = b"") -> None:
        if len(key) != KEY_LEN:
            raise ValueError("file key must be 32 bytes")
        if path.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(path))
        self.path = path
        self._aead = AESGCM(key)
        header = MAGIC + bytes([VERSION]) + secrets.token_bytes(PREFIX_LEN)
        self._aad = header + context
        self._prefix = header[len(MAGIC) + 1:]
        self._tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        self._digest = hashlib.sha256()
        self._buf = bytearray()
        self._counter = 0
        self.size = 0
        self.cipher_size = HEADER_LEN
        self._out: BinaryIO | None = None
        try:
            fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            self._out = os.fdopen(fd, "wb")
            self._out.write(header)
        except BaseException as exc:
            self.abort()
            if _disk_full(exc):
                raise DiskFull() from exc
            raise

    def _seal(self, chunk: bytes, last: bool) -> None:
        assert self._out is not None
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk,
                                    self._aad)
        self._out.write(sealed)
        self.cipher_size += len(sealed)
        self._counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take more plaintext; full chunks are sealed as soon as a byte follows them
        (one look-ahead, so the last chunk is known when the file is closed)."""
        if self._out is None:
            raise ValueError("write to a closed sealing writer")
        self._digest.update(data)
        self.size += len(data)
        self._feed(data)
        return len(data)

    def _feed(self, data: bytes | bytearray | memoryview) -> None:
        self._buf += data
        try:
            while len(self._buf) > CHUNK:
                self._seal(bytes(self._buf[:CHUNK]), False)
                del self._buf[:CHUNK]
        except BaseException as exc:
            self.abort()
            if _disk_full(exc):
                raise DiskFull() from exc
            raise

    def _pad(self) -> None:
        """The marker byte, then zeros up to the Padmé length (fed a chunk at a time)."""
        zeros = padme(self.size + 1) - self.size - 1
        self._feed(bytes((PAD_MARK,)))
        while zeros > 0:
            piece = min(zeros, CHUNK)
            self._feed(bytes(piece))
            zeros -= piece

    def close(self) -> Sealed:
        """Seal what is left as the last chunk, make the file durable and put it in place."""
        if self._out is None:
            raise ValueError("sealing writer already closed")
        self._pad()
        try:
            self._seal(bytes(self._buf), True)
            self._buf.clear()
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            self._out = None
            os.replace(self._tmp, self.path)
            fsync_dir(self.path.parent)
        except BaseException as exc:
            self.abort()
            if _disk_full(exc):
                raise DiskFull() from exc
            raise
        return Sealed(self.size, self._digest.hexdigest(), self.cipher_size)

    def abort(self) -> None:
        """Drop the unfinished file (ciphertext only)."""
        if self._out is not None:
            try:
                self._out.close()
            except OSError:
                pass
            self._out = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> SealingWriter:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is not None:
            self.abort()


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def encrypt_to(path: Path, key: bytes, source: Source, *, context: bytes = b"") -> Sealed:
    """Encrypt ``source`` (bytes, an iterator of bytes or a binary file object) into a new
    file at ``path``, mode 0600, atomically and durably. Refuses to replace a file."""
    writer = SealingWriter(path, key, context=context)
    try:
        for piece in _pieces(source):
            writer.write(piece)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _label(path: Path) -> str:
    return path.name.split(".", 1)[0]


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    while data and len(data) < n:
        more = fh.read(n - len(data))
        if not more:
            break
        data += more
    return data


def iter_decrypt(path: Path, key: bytes, *, context: bytes = b"",
                 label: str | None = None) -> Iterator[bytes]:
    """Yield the plaintext of ``path`` chunk by chunk, each authenticated before it is
    yielded. A missing, truncated, reordered or altered file raises `AttachmentDamaged`
    (possibly after earlier, genuine chunks were yielded: callers writing a copy must
    remove it on error)."""
    ident = label if label is not None else _label(path)
    try:
        fh = path.open("rb")
    except OSError:
        raise AttachmentDamaged(id=ident, reason="missing") from None
    with fh:
        header = _read_exact(fh, HEADER_LEN)
        if (len(header) != HEADER_LEN or header[:len(MAGIC)] != MAGIC
                or header[len(MAGIC)] not in READABLE_VERSIONS):
            raise AttachmentDamaged(id=ident, reason="header")
        chunks = _iter_chunks(fh, header, key, context, ident)
        if header[len(MAGIC)] in PADDED_VERSIONS:
            chunks = _unpad(chunks, ident)
        yield from chunks


def _unpad(chunks: Iterator[bytes], ident: str) -> Iterator[bytes]:
    """The plaintext without its padding: everything before the last non-zero byte,
    which must be the marker. Trailing zeros are counted, not kept, so a long run of
    padding (or of zeros in the data) costs no memory."""
    held: int | None = None  # the last non-zero byte seen, not given out yet
    zeros = 0                # zeros after it, not given out yet
    for chunk in chunks:
        body = chunk.rstrip(b"\0")
        if not body:
            zeros += len(chunk)
            continue
        if held is not None:
            yield bytes((held,))
        yield from _zeros(zeros)
        if len(body) > 1:
            yield body[:-1]
        held, zeros = body[-1], len(chunk) - len(body)
    if held != PAD_MARK:
        raise AttachmentDamaged(id=ident, reason="padding")


def _zeros(n: int) -> Iterator[bytes]:
    while n > 0:
        yield bytes(min(n, CHUNK))
        n -= CHUNK


def _iter_chunks(fh: BinaryIO, header: bytes, key: bytes, context: bytes,
                 ident: str) -> Iterator[bytes]:
    """The authenticated plaintext chunks of an open file, after its header."""
    aead = AESGCM(key)
    aad = header + context
    prefix = header[len(MAGIC) + 1:]
    counter = 0
    current = _read_exact(fh, CHUNK + TAG)
    while True:
        following = _read_exact(fh, CHUNK + TAG) if len(current) == CHUNK + TAG else b""
        last = not following
        if len(current) < TAG:
            raise AttachmentDamaged(id=ident, reason="truncated")
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), current, aad)
        except InvalidTag:
            raise AttachmentDamaged(id=ident, reason=_why(aead, prefix, counter, last,
                                                          current, aad)) from None
        yield plain
        if last:
            return
        current, counter = following, counter + 1


def _why(aead: AESGCM, prefix: bytes, counter: int, last: bool, chunk: bytes,
         aad: bytes) -> str:
    """A final chunk that opens as "not last" means the file was cut at a chunk boundary."""
    if last and len(chunk) == CHUNK + TAG:
        try:
            aead.decrypt(_nonce(prefix, counter, False), chunk, aad)
        except InvalidTag:
            return "tampered"
        return "truncated"
    return "truncated" if last else "tampered"


def decrypt_to(path: Path, key: bytes, out: Writable, *, context: bytes = b"",
               label: str | None = None) -> int:
    """Decrypt ``path`` into the writable ``out``; returns the plaintext size."""
    total = 0
    for chunk in iter_decrypt(path, key, context=context, label=label):
        out.write(chunk)
        total += len(chunk)
    return total


def decrypt_bytes(path: Path, key: bytes, *, context: bytes = b"",
                  label: str | None = None) -> bytes:
    """The whole plaintext of ``path`` in memory (thumbnails, small files, tests)."""
    return b"".join(iter_decrypt(path, key, context=context, label=label))
