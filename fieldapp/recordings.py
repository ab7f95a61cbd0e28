"""Recordings and videos without their hidden details: a stream copy into a new container.

ffmpeg (the binary shipped by imageio-ffmpeg; ``IMAGEIO_FFMPEG_EXE`` may name another)
reads the file and writes its sound and picture streams packet for packet, re-encoding
nothing, into a new container of the same type that carries no metadata:

- MP4, MOV, 3GP, M4A: ``udta`` (``©xyz``, ``loci``, ``©aut``, ``©mak``…), ``meta``/``ilst``
  and ``mdta`` keys (``com.apple.quicktime.location.ISO6709``…), XMP boxes, creation
  dates (written as zero);
- WebM/Matroska: Tags, track names, attached files; MP3: ID3v1, ID3v2 and APE tags;
  Ogg/Opus: the comment header (rewritten with the muxer's bare vendor string);
  WAV: ``LIST``/``INFO``, ``bext``, ``iXML``, ``_PMX`` (XMP) and ``id3`` chunks;
- in every container: chapters, cover pictures, and every track that is neither sound nor
  picture (subtitles, data tracks such as GPS telemetry or timecode).

Kept, because a stream copy does not look inside them: details a device writes in the
coded streams themselves (H.264/HEVC SEI messages such as an encoder's name, DV frame
headers). The summary says which kinds of metadata were found, never their values.

MP4-like muxers must seek in their output, so ffmpeg writes the copy into a `Workspace`:
a private folder (0700) made in the system's temporary folder, outside the profile, which
is overwritten and deleted as soon as the copy is sealed into the encrypted store. The
input is read where the user keeps it; it is never copied.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from . import fsutil
from .errors import MediaRejected, UnsafePath
from .media import FileType, metadata_kind, sniff

Progress = Callable[[int, int], None]
WORKSPACE_PREFIX = "fieldapp-media-"
STALE_SECONDS = 3600          # a workspace untouched this long was left by a crash
_STDERR_KEEP = 4 << 20        # ffmpeg's description of the input, kept in memory only


@dataclass(frozen=True)
class _Format:
    demuxer: str
    muxer: str
    options: tuple[str, ...] = ()


FORMATS: dict[str, _Format] = {
    "mp4": _Format("mov", "mp4"),
    "m4a": _Format("mov", "mp4", ("-brand", "M4A ")),
    "mov": _Format("mov", "mov"),
    "3gp": _Format("mov", "3gp"),
    "webm": _Format("matroska", "webm"),      # "matroska" when the input's DocType says so
    "mp3": _Format("mp3", "mp3", ("-id3v2_version", "0")),
    "ogg": _Format("ogg", "ogg"),
    "wav": _Format("wav", "wav"),
    "aac": _Format("aac", "adts"),
    "amr": _Format("amr", "amr"),
}


def handles(ftype: FileType) -> bool:
    """Whether recordings of this type are cleaned here."""
    return ftype.label in FORMATS


def ffmpeg_exe() -> str | None:
    """The ffmpeg binary to use, or None when this installation has none (imported here:
    the server's image leaves imageio-ffmpeg and its 165 MB binary out)."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None


# --- the private work folder ----------------------------------------------------------
class Workspace:
    """A folder (0700) for ffmpeg's output, in the system's temporary folder and never
    inside ``profile``; on exit every file in it is overwritten and deleted."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.path: Path | None = None

    def __enter__(self) -> Path:
        base = Path(tempfile.gettempdir()).resolve()
        if base.is_relative_to(self.profile.resolve()):
            raise UnsafePath(path=str(base), reason="temporary folder inside the profile")
        sweep_workspaces(base)
        self.path = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX, dir=base))
        os.chmod(self.path, fsutil.DIR_MODE)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            try:
                fsutil.shred_tree(self.path)
            except OSError:
                pass  # left for sweep_workspaces
            self.path = None


def _newest_change(folder: Path) -> float:
    newest = folder.stat().st_mtime
    for child in folder.iterdir():
        newest = max(newest, child.stat().st_mtime)
    return newest


def sweep_workspaces(base: Path | None = None, max_age: float = STALE_SECONDS) -> int:
    """Shred work folders of ours left by a crash (untouched for ``max_age`` seconds);
    returns how many."""
    folder = base or Path(tempfile.gettempdir())
    removed = 0
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(WORKSPACE_PREFIX)]
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        try:
            info = entry.lstat()
            mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
            if (entry.is_dir() and not entry.is_symlink() and mine
                    and now - _newest_change(entry) > max_age):
                fsutil.shred_tree(entry)
                removed += 1
        except OSError:
            continue
    return removed


# --- what the file holds ----------------------------------------------------------------
class XmpSpotter:
    """Notices an XMP packet in bytes fed piece by piece (ffmpeg does not report XMP
    outside MP4-like files)."""

    _MARKS = (b"<x:xmpmeta", b"http://ns.adobe.com/xap/1.0/")
    _OVERLAP = max(len(m) for m in _MARKS) - 1

    def __init__(self) -> None:
        self.seen = False
        self._tail = b""

    def feed(self, piece: bytes) -> None:
        """Look at the next piece (a mark cut between two pieces is found too)."""
        if self.seen:
            return
        window = self._tail + piece[:self._OVERLAP]
        if any(m in piece or m in window for m in self._MARKS):
            self.seen = True
        self._tail = (self._tail + piece[-self._OVERLAP:])[-self._OVERLAP:]


_IGNORED = {"major_brand", "minor_version", "compatible_brands", "handler_name",
            "vendor_id", "language", "duration", "mimetype", "filename"}
_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*: (Video|Audio|Subtitle|Data|Attachment)\b")
_ENTRY = re.compile(r"^(\s*)([^:\s][^:]*?)\s*:")


@dataclass
class _Input:
    """What ffmpeg's description of the input says: metadata keys (never values), tracks."""

    opened: bool = False
    keys: list[str] | None = None
    sound_or_picture: int = 0
    pictures: int = 0
    other_tracks: int = 0
    chapters: int = 0


def _describe_input(text: str) -> _Input:
    found = _Input(keys=[])
    assert found.keys is not None
    section = text.split("\nOutput #", 1)[0].split("\nStream mapping:", 1)[0]
    meta_indent: int | None = None
    for line in section.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if line.startswith("Input #"):
            found.opened = True
            continue
        if not found.opened:
            continue
        if meta_indent is not None:
            if indent > meta_indent:
                entry = _ENTRY.match(line)
                if entry:
                    found.keys.append(entry[2].strip().lower())
                continue
            meta_indent = None
        stripped = line.strip()
        if stripped == "Metadata:":
            meta_indent = indent
        elif stripped.startswith("Chapter #"):
            found.chapters += 1
        elif match := _STREAM.match(line):
            if match[1] in ("Video", "Audio") and "(attached pic)" not in line:
                found.sound_or_picture += 1
            elif match[1] == "Video":
                found.pictures += 1
            else:
                found.other_tracks += 1
    return found


def _summary(described: _Input, xmp: bool) -> dict[str, Any]:
    found: dict[str, int] = {}
    for key in described.keys or []:
        base = re.sub(r"-[a-z]{3}$", "", key)
        if base in _IGNORED:
            continue
        kind = metadata_kind(base)
        found[kind] = found.get(kind, 0) + 1
    if xmp and "xmp" not in found:
        found["xmp"] = 1
    for kind, count in (("pictures", described.pictures),
                        ("tracks", described.other_tracks),
                        ("chapters", described.chapters)):
        if count:
            found[kind] = count
    return found


# --- the copy -------------------------------------------------------------------------
@dataclass
class CleanRecording:
    """The outcome: the copy without metadata (``path``, inside the workspace) and the
    summary for the attachment row; ``path`` is None when the file could be read but not
    rebuilt (stored as it is, and the summary says so)."""

    path: Path | None
    stripped: dict[str, Any]


def _muxer(fmt: _Format, fh: BinaryIO) -> str:
    if fmt.muxer != "webm":
        return fmt.muxer
    fh.seek(0)
    head = fh.read(64)
    fh.seek(0)
    return "webm" if b"\x42\x82\x84webm" in head else "matroska"


def _drain(stream: IO[bytes], keep: bytearray) -> None:
    for piece in iter(lambda: stream.read(65536), b""):
        if len(keep) < _STDERR_KEEP:
            keep += piece[:_STDERR_KEEP - len(keep)]


def _run(cmd: list[str], size: int, progress: Progress | None) -> tuple[int, str]:
    """Run ffmpeg, reporting its progress (bytes written so far); returns its exit code
    and what it printed on stderr. An exception from ``progress`` stops ffmpeg."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, creationflags=flags)
    assert proc.stdout is not None and proc.stderr is not None
    err = bytearray()
    reader = threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)
    reader.start()
    try:
        for line in proc.stdout:
            if progress is not None and line.startswith(b"total_size="):
                value = line.split(b"=", 1)[1].strip()
                if value.isdigit():
                    progress(min(int(value), size), size)
        code = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
        proc.stdout.close()
        proc.stderr.close()
    return code, err.decode("utf-8", "replace")


def _reads_cleanly(exe: str, source: Path, fmt: _Format) -> bool:
    """Whether every sound and picture packet of ``source`` can be read (so a failed copy
    is the new container's fault, not a damaged file)."""
    cmd = [exe, "-hide_banner", "-nostdin", "-v", "error", "-xerror",
           "-protocol_whitelist", "file", "-f", fmt.demuxer, "-i", f"file:{source}",
           "-map", "0:V?", "-map", "0:a?", "-c", "copy", "-f", "null", "-"]
    return _run(cmd, 0, None)[0] == 0


def _same_file(before: os.stat_result, source: Path) -> bool:
    try:
        now = os.stat(source)
    except OSError:
        return False
    return ((before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns)
            == (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns))


def not_rebuilt(ftype: FileType, reason: str) -> dict[str, Any]:
    """The summary of a recording stored as it is (``reason``: "no tool", "not rebuilt")."""
    return {"removed": False, "kind": ftype.kind, "reason": reason}


def clean(source: Path, opened: BinaryIO, name: str, ftype: FileType, workdir: Path, *,
          before: os.stat_result | None = None, xmp: bool = False,
          progress: Progress | None = None) -> CleanRecording:
    """Write a copy of the recording at ``source`` (open as ``opened``) without metadata
    into ``workdir``. ``before`` is the file's state when it was first read; ``xmp`` says
    whether an XMP packet was seen in it. Raises `MediaRejected` when ffmpeg cannot read
    the file (truncated, damaged, not what its bytes claimed), when it holds no sound or
    picture, or when it changed since ``before``."""
    fmt = FORMATS[ftype.label]
    exe = ffmpeg_exe()
    if exe is None:
        return CleanRecording(None, not_rebuilt(ftype, "no tool"))
    before = before or os.fstat(opened.fileno())
    out = workdir / f"copy{sorted(ftype.extensions)[0]}"
    source = Path(os.path.abspath(source))
    cmd = [exe, "-hide_banner", "-nostdin", "-v", "info", "-nostats", "-progress", "pipe:1",
           "-xerror", "-protocol_whitelist", "file", "-f", fmt.demuxer,
           *(("-export_xmp", "1") if fmt.demuxer == "mov" else ()),
           "-i", f"file:{source}",
           "-map", "0:V?", "-map", "0:a?", "-c", "copy", "-map_metadata", "-1",
           "-map_chapters", "-1", "-fflags", "+bitexact", *fmt.options,
           "-f", _muxer(fmt, opened), f"file:{out}"]
    try:
        code, err = _run(cmd, before.st_size, progress)
    except OSError:  # the binary named is missing or cannot run here
        return CleanRecording(None, not_rebuilt(ftype, "no tool"))
    described = _describe_input(err)
    if not described.opened:
        raise MediaRejected(name=name, reason="truncated")
    if not described.sound_or_picture:
        raise MediaRejected(name=name, reason="no sound or picture")
    if code != 0 or not out.is_file() or out.stat().st_size == 0:
        if _reads_cleanly(exe, source, fmt):
            return CleanRecording(None, not_rebuilt(ftype, "not rebuilt"))
        raise MediaRejected(name=name, reason="truncated")
    if not _same_file(before, source):
        raise MediaRejected(name=name, reason="changed")
    with out.open("rb") as copy:
        if sniff(copy, f"copy{sorted(ftype.extensions)[0]}").family != ftype.family:
            return CleanRecording(None, not_rebuilt(ftype, "not rebuilt"))
    stripped = {"removed": True, "kind": ftype.kind, "found": _summary(described, xmp)}
    return CleanRecording(out, stripped)
