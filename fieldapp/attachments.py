"""Attachments of a record: photos, recordings, videos and documents, encrypted on disk.

Each attachment has a random 32-byte key in the database (``attachment.file_key``); the
keys of its files are derived from it (HKDF, one per role), so the stored copy's key can be
handed on without the original's. Files live in the vault's folder::

    vault-N.files/<id>.stored     the copy users see, without hidden details
    vault-N.files/<id>.original   the untouched bytes, only when asked for

Images are re-encoded from their pixels (`media`), recordings and videos copied stream by
stream into a new container (`recordings`), PDF documents rewritten (`documents`): each
without its metadata, whose kinds (never values) the ``stripped`` summary lists. Other
documents (DOCX, ODT, text), and a recording that could not be rewritten, are stored as
they are, so their stored copy *is* the original (``has_original`` is true and no second
file is written); their summary says so.

Writing order: encrypted files first (temporary name, fsync, rename), then the row and the
audit entry in one transaction; if the transaction fails the files are removed. A crash in
between leaves at most an encrypted file whose key was never saved: noise, which
`sweep_leftovers` removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import audit, documents, media, recordings
from .crypto import filecipher
from .errors import (
    AttachmentDamaged,
    InvalidInput,
    MediaRejected,
    NoOriginal,
    NotFound,
    UnreadableFile,
    UnsafePath,
)
from .fsutil import FILE_MODE
from .records import transaction
from .text import uuid7

if TYPE_CHECKING:
    from .profile import Vault

STORED, ORIGINAL = "stored", "original"
MAX_BYTES_SETTING = "attachment_max_bytes"
Progress = Callable[[int, int], None]
_COLUMNS = ("id", "record_id", "kind", "mime", "name", "size", "stored_size",
            "sha256_original", "sha256_stored", "has_original", "stripped", "width", "height",
            "created_at", "created_by", "has_thumbnail")
_SELECT = ("SELECT id, record_id, kind, mime, name, size, stored_size, sha256_original, "
           "sha256_stored, has_original, stripped, width, height, created_at, created_by, "
           "thumbnail IS NOT NULL FROM attachment")


@dataclass
class Attachment:
    """What the UI and the CLI show of an attachment (never its key)."""

    id: str
    record_id: str
    kind: str
    mime: str
    name: str
    size: int
    stored_size: int
    sha256_original: str
    sha256_stored: str
    has_original: bool
    stripped: dict[str, Any] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None
    created_at: str = ""
    created_by: str = ""
    has_thumbnail: bool = False

    @property
    def stripped_text(self) -> str:
        """One translated line: what was removed from the stored copy."""
        return media.describe_stripped(self.stripped)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SealedFile:
    """An encrypted file as it lies on disk, with what decrypts it (for sync uploads)."""

    path: Path
    key: bytes = field(repr=False)
    context: bytes


# --- keys and paths -------------------------------------------------------------------
def _role_key(file_key: bytes, role: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"fieldapp attachment file v1 {role}".encode()).derive(file_key)


def _context(attachment_id: str, role: str) -> bytes:
    return f"fieldapp attachment {attachment_id} {role}".encode()


def _path(vault: Vault, attachment_id: str, role: str) -> Path:
    return vault.files_dir / f"{attachment_id}.{role}"


# --- adding ---------------------------------------------------------------------------
def _limit(vault: Vault, max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    configured = vault.setting(MAX_BYTES_SETTING)
    try:
        return int(configured) if configured else media.MAX_FILE_BYTES
    except ValueError:
        return media.MAX_FILE_BYTES


def _check_record(vault: Vault, record_id: str) -> None:
    row = vault.conn.execute("SELECT kind FROM record WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=str(record_id)[:60])
    if row[0] == "identity":  # identities travel to coordinators only: attach to the owner
        raise InvalidInput(field="record", reason="edit the record it belongs to")


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return clean[:255] or "attachment"


def _open_input(path: Path) -> BinaryIO:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(path=str(path), reason="not a file")
        return path.open("rb")
    except OSError as exc:
        raise UnreadableFile(path=str(path), reason=exc.strerror or str(exc)) from None


def _read_limited(fh: BinaryIO, path: Path, name: str, limit: int,
                  progress: Progress | None = None, expected: int = 0) -> Iterator[bytes]:
    """The file's bytes in pieces; read errors and growth past ``limit`` become typed
    errors (a file may still be growing while it is attached)."""
    total = 0
    while True:
        if progress is not None:
            progress(total, max(expected, total))
        try:
            piece = fh.read(filecipher.CHUNK)
        except OSError as exc:
            raise UnreadableFile(path=str(path), reason=exc.strerror or str(exc)) from None
        if not piece:
            return
        total += len(piece)
        if total > limit:
            raise MediaRejected(name=name, reason="too large")
        yield piece


def attach(vault: Vault, record_id: str, path: Path | str, keep_original: bool = False, *,
           name: str | None = None, max_bytes: int | None = None,
           max_pixels: int = media.MAX_PIXELS, progress: Progress | None = None) -> str:
    """Attach the file at ``path`` to a record; returns the new attachment's id.

    Images, recordings, videos and PDF documents are stored without their metadata (the
    untouched bytes too, encrypted, when ``keep_original``); other documents as they are.
    Raises `NotFound` (no such record), `UnreadableFile`, `UnsafePath` (the temporary
    folder lies inside the profile), `MediaRejected` (empty, too large, unsupported,
    mislabelled, decompression bomb, truncated, encrypted, no sound or picture, changed
    while read), `DiskFull`. ``progress(done, total)`` is called as the work goes on (a
    recording is read three times: hashed, rewritten, sealed); an exception it raises (a
    cancel) aborts with nothing stored.
    """
    _check_record(vault, record_id)
    source = Path(path)
    shown = _display_name(name or source.name)
    limit = _limit(vault, max_bytes)
    with _open_input(source) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise MediaRejected(name=shown, reason="empty")
        if size > limit:
            raise MediaRejected(name=shown, reason="too large")
        try:
            ftype = media.sniff(fh, shown)
        except OSError as exc:
            raise UnreadableFile(path=str(source), reason=exc.strerror or str(exc)) from None
        attachment_id = uuid7()
        file_key = filecipher.new_key()
        written: list[Path] = []
        job = _Job(vault, attachment_id, file_key, fh, source, shown, ftype, limit, size,
                   written)
        try:
            if ftype.kind == "image":
                if size > media.MAX_IMAGE_BYTES:
                    raise MediaRejected(name=shown, reason="too large")
                data = b"".join(_read_limited(fh, source, shown, min(limit,
                                              media.MAX_IMAGE_BYTES), progress, size))
                row = _store_image(vault, attachment_id, file_key, data, shown, ftype,
                                   keep_original, max_pixels, written)
            elif recordings.handles(ftype):
                row = _store_recording(job, keep_original, progress)
            elif ftype.label == "pdf":
                row = _store_pdf(job, keep_original, progress)
            else:
                pieces = _read_limited(fh, source, shown, limit, progress, size)
                row = _store_as_is(vault, attachment_id, file_key, pieces, shown, ftype,
                                   written)
            _insert(vault, record_id, attachment_id, file_key, shown, ftype, row)
        except BaseException:
            for leftover in written:
                leftover.unlink(missing_ok=True)
            raise
    return attachment_id


def _seal(vault: Vault, attachment_id: str, file_key: bytes, role: str,
          source: filecipher.Source, written: list[Path]) -> filecipher.Sealed:
    target = _path(vault, attachment_id, role)
    sealed = filecipher.encrypt_to(target, _role_key(file_key, role), source,
                                   context=_context(attachment_id, role))
    written.append(target)
    return sealed


def _store_image(vault: Vault, attachment_id: str, file_key: bytes, data: bytes,
                 shown: str, ftype: media.FileType, keep_original: bool, max_pixels: int,
                 written: list[Path]) -> dict[str, Any]:
    clean = media.clean_image(data, shown, ftype, max_pixels=max_pixels)
    stored = _seal(vault, attachment_id, file_key, STORED, clean.data, written)
    if keep_original:
        _seal(vault, attachment_id, file_key, ORIGINAL, data, written)
    return {"mime": clean.mime, "size": len(data), "stored_size": stored.size,
            "sha256_original": hashlib.sha256(data).hexdigest(),
            "sha256_stored": stored.sha256, "has_original": keep_original,
            "stripped": clean.stripped, "thumbnail": clean.thumbnail,
            "width": clean.width, "height": clean.height}


def _store_as_is(vault: Vault, attachment_id: str, file_key: bytes, pieces: Iterator[bytes],
                 shown: str, ftype: media.FileType, written: list[Path]) -> dict[str, Any]:
    sealed = _seal(vault, attachment_id, file_key, STORED, pieces, written)
    if sealed.size == 0:
        raise MediaRejected(name=shown, reason="empty")
    return {"mime": ftype.mime, "size": sealed.size, "stored_size": sealed.size,
            "sha256_original": sealed.sha256, "sha256_stored": sealed.sha256,
            "has_original": True, "stripped": media.not_stripped(ftype), "thumbnail": None,
            "width": None, "height": None}


# --- recordings and PDF documents -------------------------------------------------------
@dataclass
class _Job:
    """One file being attached: where it comes from and where its files go."""

    vault: Vault
    attachment_id: str
    file_key: bytes
    fh: BinaryIO
    source: Path
    shown: str
    ftype: media.FileType
    limit: int
    size: int
    written: list[Path]


def _stages(progress: Progress | None, size: int, passes: int
            ) -> Callable[[int], Progress | None]:
    """Progress of several passes over a file of ``size`` bytes, reported as one bar."""
    def stage(index: int) -> Progress | None:
        if progress is None:
            return None

        def report(done: int, total: int) -> None:
            part = size * min(done, total) // total if total > 0 else 0
            progress(index * size + part, passes * size)
        return report
    return stage


def _original_pass(job: _Job, keep_original: bool, progress: Progress | None,
                   look: Callable[[bytes], None] | None = None) -> tuple[str, int]:
    """Read the untouched file once: its SHA-256 and size; sealed as the original when
    ``keep_original``. ``look`` sees every piece (e.g. to notice an XMP packet)."""
    job.fh.seek(0)
    pieces = _read_limited(job.fh, job.source, job.shown, job.limit, progress, job.size)
    if look is not None:
        pieces = _seen_by(pieces, look)
    if keep_original:
        sealed = _seal(job.vault, job.attachment_id, job.file_key, ORIGINAL, pieces,
                       job.written)
        size, sha256 = sealed.size, sealed.sha256
    else:
        digest = hashlib.sha256()
        size = 0
        for piece in pieces:
            digest.update(piece)
            size += len(piece)
        sha256 = digest.hexdigest()
    if size == 0:
        raise MediaRejected(name=job.shown, reason="empty")
    return sha256, size


def _seen_by(pieces: Iterator[bytes], look: Callable[[bytes], None]) -> Iterator[bytes]:
    for piece in pieces:
        look(piece)
        yield piece


def _reported(fh: BinaryIO, size: int, progress: Progress | None) -> Iterator[bytes]:
    done = 0
    while piece := fh.read(filecipher.CHUNK):
        done += len(piece)
        if progress is not None:
            progress(done, max(size, done))
        yield piece


def _unchanged(job: _Job, before: os.stat_result) -> None:
    now = os.fstat(job.fh.fileno())
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise MediaRejected(name=job.shown, reason="changed")


def _cleaned_row(job: _Job, sha_original: str, size: int, stored: filecipher.Sealed,
                 keep_original: bool, stripped: dict[str, Any]) -> dict[str, Any]:
    return {"mime": job.ftype.mime, "size": size, "stored_size": stored.size,
            "sha256_original": sha_original, "sha256_stored": stored.sha256,
            "has_original": keep_original, "stripped": stripped, "thumbnail": None,
            "width": None, "height": None}


def _store_recording(job: _Job, keep_original: bool,
                     progress: Progress | None) -> dict[str, Any]:
    """Hash (and keep, if asked) the original, let ffmpeg write a copy without metadata
    in a private work folder outside the profile, seal that copy, shred the folder."""
    stage = _stages(progress, job.size, 3)
    spotter = recordings.XmpSpotter()
    before = os.fstat(job.fh.fileno())
    sha_original, size = _original_pass(job, keep_original, stage(0), spotter.feed)
    with recordings.Workspace(job.vault.profile.path) as workdir:
        clean = recordings.clean(job.source, job.fh, job.shown, job.ftype, workdir,
                                 before=before, xmp=spotter.seen, progress=stage(1))
        if clean.path is None:
            return _recording_as_is(job, sha_original, clean.stripped, stage(2))
        with clean.path.open("rb") as copy:
            out_size = os.fstat(copy.fileno()).st_size
            stored = _seal(job.vault, job.attachment_id, job.file_key, STORED,
                           _reported(copy, out_size, stage(2)), job.written)
    return _cleaned_row(job, sha_original, size, stored, keep_original, clean.stripped)


def _recording_as_is(job: _Job, sha_original: str, stripped: dict[str, Any],
                     progress: Progress | None) -> dict[str, Any]:
    """A recording that could not be rewritten: stored as it is (the summary says why);
    the stored copy is then the original, so no second file is kept."""
    for path in [p for p in job.written if p.name.endswith(f".{ORIGINAL}")]:
        path.unlink(missing_ok=True)
        job.written.remove(path)
    job.fh.seek(0)
    pieces = _read_limited(job.fh, job.source, job.shown, job.limit, progress, job.size)
    row = _store_as_is(job.vault, job.attachment_id, job.file_key, pieces, job.shown,
                       job.ftype, job.written)
    if row["sha256_stored"] != sha_original:
        raise MediaRejected(name=job.shown, reason="changed")
    row["stripped"] = stripped
    return row


def _store_pdf(job: _Job, keep_original: bool, progress: Progress | None) -> dict[str, Any]:
    """Hash (and keep, if asked) the original, then write the copy without metadata
    straight into its encrypted file."""
    stage = _stages(progress, job.size, 2)
    before = os.fstat(job.fh.fileno())
    sha_original, size = _original_pass(job, keep_original, stage(0))
    target = _path(job.vault, job.attachment_id, STORED)
    with filecipher.SealingWriter(target, _role_key(job.file_key, STORED),
                                  context=_context(job.attachment_id, STORED)) as writer:
        stripped = documents.clean_pdf(job.fh, job.shown, writer.write, progress=stage(1),
                                       size=job.size)
        _unchanged(job, before)
        stored = writer.close()
    job.written.append(target)
    return _cleaned_row(job, sha_original, size, stored, keep_original, stripped)


def _insert(vault: Vault, record_id: str, attachment_id: str, file_key: bytes, shown: str,
            ftype: media.FileType, row: dict[str, Any]) -> None:
    created_at = audit.now()
    with transaction(vault.conn) as conn:
        conn.execute(
            "INSERT INTO attachment (id, record_id, kind, mime, name, size, stored_size, "
            "sha256_original, sha256_stored, file_key, has_original, stripped, thumbnail, "
            "width, height, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (attachment_id, record_id, ftype.kind, row["mime"], shown, row["size"],
             row["stored_size"], row["sha256_original"], row["sha256_stored"], file_key,
             int(row["has_original"]), json.dumps(row["stripped"], sort_keys=True),
             row["thumbnail"], row["width"], row["height"], created_at, vault.pseudonym))
        audit.append(conn, vault.pseudonym, "attach", record_id, {
            "attachment": attachment_id, "kind": ftype.kind, "mime": row["mime"],
            "size": row["size"], "sha256_original": row["sha256_original"],
            "sha256_stored": row["sha256_stored"], "has_original": bool(row["has_original"]),
            "metadata_removed": bool(row["stripped"].get("removed"))})


# --- reading --------------------------------------------------------------------------
def _row(vault: Vault, attachment_id: str) -> Attachment:
    row = vault.conn.execute(_SELECT + " WHERE id = ?", (attachment_id,)).fetchone()
    if row is None:
        raise NotFound(kind="attachment", id=str(attachment_id)[:60])
    return _attachment(row)


def _attachment(row: tuple[Any, ...]) -> Attachment:
    item = dict(zip(_COLUMNS, row, strict=True))
    item["has_original"] = bool(item["has_original"])
    item["has_thumbnail"] = bool(item["has_thumbnail"])
    try:
        item["stripped"] = json.loads(item["stripped"] or "{}")
    except ValueError:
        item["stripped"] = {}
    return Attachment(**item)


def info(vault: Vault, attachment_id: str) -> Attachment:
    """The attachment's metadata (`NotFound` when there is none with that id)."""
    return _row(vault, attachment_id)


def list_for(vault: Vault, record_id: str) -> list[Attachment]:
    """The attachments of a record, oldest first (an unknown record has none)."""
    rows = vault.conn.execute(_SELECT + " WHERE record_id = ? ORDER BY created_at, id",
                              (record_id,)).fetchall()
    return [_attachment(r) for r in rows]


def thumbnail(vault: Vault, attachment_id: str) -> bytes | None:
    """A JPEG of at most 256×256 without metadata, or None (not an image)."""
    row = vault.conn.execute("SELECT thumbnail FROM attachment WHERE id = ?",
                             (attachment_id,)).fetchone()
    if row is None:
        raise NotFound(kind="attachment", id=str(attachment_id)[:60])
    return bytes(row[0]) if row[0] is not None else None


def sealed_file(vault: Vault, attachment_id: str, original: bool = False) -> SealedFile:
    """The encrypted file behind an attachment and what decrypts it (for uploads)."""
    att = _row(vault, attachment_id)
    if original and not att.has_original:
        raise NoOriginal(id=attachment_id)
    role = ORIGINAL if original else STORED
    if original and not _path(vault, attachment_id, ORIGINAL).exists() \
            and att.sha256_original == att.sha256_stored:
        role = STORED  # stored as it was: the stored copy is the original
    key_row = vault.conn.execute("SELECT file_key FROM attachment WHERE id = ?",
                                 (attachment_id,)).fetchone()
    return SealedFile(_path(vault, attachment_id, role), _role_key(bytes(key_row[0]), role),
                      _context(attachment_id, role))


def read(vault: Vault, attachment_id: str, original: bool = False) -> Iterator[bytes]:
    """The decrypted bytes in chunks. Raises `NotFound` and `NoOriginal` at once;
    `AttachmentDamaged` while iterating when the file is missing, cut or altered, or its
    SHA-256 differs from the one recorded."""
    att = _row(vault, attachment_id)
    sealed = sealed_file(vault, attachment_id, original)
    expected = att.sha256_original if original else att.sha256_stored
    return _verified(sealed, expected, attachment_id)


def _verified(sealed: SealedFile, expected: str, attachment_id: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for chunk in filecipher.iter_decrypt(sealed.path, sealed.key, context=sealed.context,
                                         label=attachment_id):
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != expected:
        raise AttachmentDamaged(id=attachment_id, reason="checksum")


def read_bytes(vault: Vault, attachment_id: str, original: bool = False) -> bytes:
    """The whole decrypted content in memory (viewers, small files)."""
    return b"".join(read(vault, attachment_id, original))


# --- exporting ------------------------------------------------------------------------
def check_out_path(vault: Vault, out_path: Path | str) -> Path:
    """Refuse an output path that exists, lies inside the profile folder, or whose folder
    does not exist (`UnsafePath`); returns it as a Path."""
    out = Path(out_path).expanduser()
    if os.path.lexists(out):
        raise UnsafePath(path=str(out), reason="exists")
    parent = out.parent.resolve()
    if not parent.is_dir():
        raise UnsafePath(path=str(out), reason="no such folder")
    if (parent / out.name).is_relative_to(vault.profile.path.resolve()):
        raise UnsafePath(path=str(out), reason="inside the profile folder")
    return out


def export_copy(vault: Vault, attachment_id: str, out_path: Path | str,
                original: bool = False, *, progress: Progress | None = None) -> Path:
    """Write a decrypted copy (0600) to ``out_path``, which must not exist; the audit log
    records the export. A damaged attachment, or an exception raised by ``progress(done,
    total)`` (a cancel), leaves no partial file behind."""
    att = _row(vault, attachment_id)
    chunks = read(vault, attachment_id, original)
    out = check_out_path(vault, out_path)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        raise UnsafePath(path=str(out), reason="exists") from None
    except OSError as exc:
        raise UnsafePath(path=str(out), reason=exc.strerror or str(exc)) from None
    try:
        total = att.size if original else att.stored_size
        done = 0
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, max(total, done))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    with transaction(vault.conn) as conn:
        audit.append(conn, vault.pseudonym, "export", att.record_id, {
            "attachment": attachment_id, "original": original,
            "sha256": att.sha256_original if original else att.sha256_stored})
    return out


# --- housekeeping ---------------------------------------------------------------------
def sweep_leftovers(vault: Vault) -> int:
    """Remove temporary files and encrypted files without a row (left by a crash); returns
    how many. Call it when no attachment is being written (e.g. right after unlock).
    (Work folders of `recordings` left by a crash are shredded by the next recording.)"""
    known = {r[0] for r in vault.conn.execute("SELECT id FROM attachment")}
    removed = 0
    if not vault.files_dir.is_dir():
        return 0
    for entry in vault.files_dir.iterdir():
        stem, _dot, role = entry.name.partition(".")
        orphan = entry.name.endswith(".tmp") or role not in (STORED, ORIGINAL) \
            or stem not in known
        if entry.is_file() and orphan:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


__all__ = ["Attachment", "SealedFile", "attach", "check_out_path", "export_copy", "info",
           "list_for", "read", "read_bytes", "sealed_file", "sweep_leftovers", "thumbnail"]
