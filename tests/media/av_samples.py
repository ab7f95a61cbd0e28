"""Recordings and videos made at test time, each carrying invented metadata markers.

The sound and pictures come from ffmpeg's test sources (imageio-ffmpeg's binary); the
metadata is added by other hands where one exists, so the cleaner is not checked only
against what ffmpeg itself knows how to write: mutagen for ID3, Vorbis comments and MP4
tags, exiftool for QuickTime GPS/XMP, chunks built here byte by byte for WAV.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg

from . import samples

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

LAT, LON = "14.4900", "-4.1900"                     # invented, near Mopti
ISO6709 = "+14.4900-004.1900/"
GPS_MARKER = "MKGPS-14N29-4W11"
AUTHOR = "MKAUTHOR-Aminata-Invented"
TITLE = "MKTITLE-Checkpoint-Invented"
COMMENT = "MKCOMMENT-recorded-at-the-well"
DEVICE = "MKDEVICE-Phone-X1"
XMP_CREATOR = "MKXMP-creator-Invented"
SUBTITLE = "MKSUB-drone-telemetry-14.4900N"
CHAPTER = "MKCHAPTER-second-witness"
ATTACHED = "MKATTACHED-notes-Invented"
BEXT = "MKBEXT-originator"
IXML = "MKIXML-project-note"

#: Every marker a cleaned copy must no longer hold (bytes, for a grep of the stored copy).
MARKERS = [m.encode() for m in (GPS_MARKER, AUTHOR, TITLE, COMMENT, DEVICE, XMP_CREATOR,
                                SUBTITLE, CHAPTER, ATTACHED, BEXT, IXML, "14.4900",
                                "14.490")] + samples.EXIF_MARKERS


def run(*args: str | Path) -> None:
    """Run ffmpeg quietly; a failure shows ffmpeg's own message."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
                           *map(str, args)], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def _sources(seconds: float, video: bool, audio: bool = True) -> list[str]:
    args: list[str] = []
    if video:
        args += ["-f", "lavfi", "-i", f"testsrc=size=160x120:rate=10:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=8000:"
                                      f"duration={seconds}"]
    return args


def _common_tags() -> list[str]:
    return ["-metadata", f"title={TITLE}", "-metadata", f"artist={AUTHOR}",
            "-metadata", f"comment={COMMENT}", "-metadata", f"location={ISO6709}",
            "-metadata", "creation_time=2025-06-18T07:42:00Z"]


def cover_jpeg() -> bytes:
    """A small JPEG whose own EXIF holds camera, owner and GPS markers (cover art)."""
    return samples.jpeg_with_metadata(size=(64, 48))


def _subtitles(folder: Path) -> Path:
    srt = folder / "telemetry.srt"
    srt.write_text(f"1\n00:00:00,000 --> 00:00:01,000\n{SUBTITLE}\n\n", encoding="utf-8")
    return srt


def _chapters(folder: Path, seconds: float) -> Path:
    meta = folder / "chapters.txt"
    end = int(seconds * 1000)
    meta.write_text(f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND={end // 2}\n"
                    f"title={CHAPTER}\n[CHAPTER]\nTIMEBASE=1/1000\nSTART={end // 2}\n"
                    f"END={end}\ntitle={CHAPTER}-2\n", encoding="utf-8")
    return meta


def exiftool(path: Path, *tags: str) -> None:
    """Write tags with exiftool (an independent writer), in place."""
    proc = subprocess.run(["exiftool", "-q", "-overwrite_original", *tags, str(path)],
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def quicktime(folder: Path, name: str = "clip.mp4", muxer: str = "mp4",
              seconds: float = 2.0, rotation: int = 0) -> Path:
    """An ISO media video (mp4, mov, 3gp) with location (©xyz/loci, Keys), author, title,
    XMP, a subtitle track with GPS text, a cover picture and chapters."""
    out = folder / name
    plain = folder / f"plain-{name}"
    video = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "baseline"]
    audio = ["-c:a", "aac", "-b:a", "32k"]
    subs: list[str] = []
    if muxer != "3gp":
        subs = ["-i", str(_subtitles(folder)), "-map", "2", "-c:s", "mov_text"]
    run(*_sources(seconds, True), *subs[:2], "-i", _chapters(folder, seconds),
        "-map", "0", "-map", "1", *subs[2:], "-map_chapters", "3" if subs else "2",
        *video, *audio, *_common_tags(), "-f", muxer, plain)
    if rotation:
        run("-display_rotation", str(rotation), "-i", plain, "-map", "0", "-c", "copy",
            "-f", muxer, out)
        plain.unlink()
    else:
        plain.rename(out)
    exiftool(out, f"-XMP-dc:Creator={XMP_CREATOR}", f"-Keys:GPSCoordinates={LAT}, {LON}",
             f"-UserData:GPSCoordinates={LAT}, {LON}", f"-Keys:Author={AUTHOR}",
             f"-Keys:Model={DEVICE}", f"-UserData:Make={DEVICE}")
    return out


def m4a(folder: Path, seconds: float = 2.0) -> Path:
    """An AAC recording in an M4A with iTunes tags and cover art (mutagen), a GPS ©xyz
    and XMP (exiftool)."""
    from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

    out = folder / "voice.m4a"
    run(*_sources(seconds, False), "-c:a", "aac", "-b:a", "32k", "-f", "ipod", out)
    tags = MP4(out)
    tags["\xa9ART"] = AUTHOR
    tags["\xa9nam"] = TITLE
    tags["\xa9cmt"] = COMMENT
    tags["\xa9day"] = "2025-06-18"
    tags["\xa9too"] = DEVICE
    tags["----:com.apple.iTunes:LOCATION"] = MP4FreeForm(GPS_MARKER.encode())
    tags["covr"] = [MP4Cover(cover_jpeg(), imageformat=MP4Cover.FORMAT_JPEG)]
    tags.save()
    exiftool(out, f"-UserData:GPSCoordinates={LAT}, {LON}", f"-XMP-dc:Creator={XMP_CREATOR}")
    return out


def matroska(folder: Path, webm: bool = True, seconds: float = 2.0) -> Path:
    """WebM (VP8 + Opus) or Matroska (H.264 + AAC) with tags, chapters, a stream title,
    a subtitle track and (Matroska) an attached file."""
    out = folder / ("clip.webm" if webm else "clip.mkv")
    codecs = (["-c:v", "libvpx", "-b:v", "100k", "-c:a", "libopus", "-b:a", "24k"] if webm
              else ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"])
    extra: list[str] = []
    if not webm:
        note = folder / "notes.txt"
        note.write_text(ATTACHED, encoding="utf-8")
        extra = ["-attach", str(note), "-metadata:s:t", "mimetype=text/plain"]
    run(*_sources(seconds, True), "-i", _subtitles(folder), "-i", _chapters(folder, seconds),
        "-map", "0", "-map", "1", "-map", "2", "-map_chapters", "3", *codecs,
        "-c:s", "webvtt" if webm else "srt", *_common_tags(),
        "-metadata", f"LOCATION={GPS_MARKER}", "-metadata:s:a", f"title={DEVICE}",
        *extra, "-f", "webm" if webm else "matroska", out)
    return out


def mp3(folder: Path, seconds: float = 2.0) -> Path:
    """An MP3 with ID3v2 (title, artist, comment, GPS in TXXX, XMP in PRIV, cover art with
    its own EXIF), ID3v1 and APEv2 tags at the end (mutagen)."""
    from mutagen.apev2 import APEv2
    from mutagen.id3 import APIC, COMM, ID3, PRIV, TIT2, TPE1, TXXX

    out = folder / "note.mp3"
    run(*_sources(seconds, False), "-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version",
        "0", "-write_xing", "0", out)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=TITLE))
    tags.add(TPE1(encoding=3, text=AUTHOR))
    tags.add(COMM(encoding=3, lang="fra", desc="", text=COMMENT))
    tags.add(TXXX(encoding=3, desc="GPS", text=GPS_MARKER))
    tags.add(PRIV(owner="XMP", data=samples.XMP))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=cover_jpeg()))
    tags.save(out, v1=2)
    ape = APEv2()
    ape["Artist"] = AUTHOR
    ape["Location"] = GPS_MARKER
    ape.save(out)
    return out


def ogg(folder: Path, codec: str = "opus", seconds: float = 2.0) -> Path:
    """Ogg Opus (or Vorbis) with Vorbis comments written by mutagen."""
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    out = folder / ("note.opus" if codec == "opus" else "note.ogg")
    run(*_sources(seconds, False), "-c:a", "libopus" if codec == "opus" else "libvorbis",
        "-f", "ogg", out)
    tags = OggOpus(out) if codec == "opus" else OggVorbis(out)
    tags["ARTIST"] = AUTHOR
    tags["TITLE"] = TITLE
    tags["COMMENT"] = COMMENT
    tags["LOCATION"] = GPS_MARKER
    tags["ENCODER"] = DEVICE
    tags.save()
    return out


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def _info_list() -> bytes:
    items = b"".join(_riff_chunk(key, value.encode() + b"\x00") for key, value in (
        (b"IART", AUTHOR), (b"INAM", TITLE), (b"ICMT", COMMENT), (b"ICRD", "2025-06-18"),
        (b"ISFT", DEVICE), (b"IGPS", GPS_MARKER)))
    return _riff_chunk(b"LIST", b"INFO" + items)


def _bext() -> bytes:
    description = BEXT.encode().ljust(256, b"\x00")
    originator = DEVICE.encode().ljust(32, b"\x00")
    reference = GPS_MARKER.encode().ljust(32, b"\x00")
    body = (description + originator + reference + b"2025-06-18" + b"07:42:00"
            + bytes(8) + struct.pack("<H", 1) + bytes(64) + bytes(190))
    return _riff_chunk(b"bext", body)


def wav(folder: Path, seconds: float = 2.0) -> Path:
    """A WAV with LIST/INFO (author, title, comment, date, software, GPS), a BWF bext
    chunk, an iXML chunk and XMP (_PMX), built here chunk by chunk, and an ID3 chunk
    (mutagen)."""
    from mutagen.id3 import TIT2
    from mutagen.wave import WAVE

    plain = folder / "plain.wav"
    run(*_sources(seconds, False), "-c:a", "pcm_s16le", "-fflags", "+bitexact", plain)
    data = plain.read_bytes()
    plain.unlink()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    chunks = data[12:]
    extra = (_bext() + _info_list()
             + _riff_chunk(b"iXML", f"<BWFXML><NOTE>{IXML}</NOTE></BWFXML>".encode())
             + _riff_chunk(b"_PMX", samples.XMP))
    body = b"WAVE" + extra + chunks
    out = folder / "interview.wav"
    out.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    tagged = WAVE(out)
    tagged.add_tags()
    tagged.tags.add(TIT2(encoding=3, text=TITLE))
    tagged.save()
    return out


def amr(folder: Path, seconds: float = 2.0) -> Path:
    """An AMR-NB voice note (the format has no place for metadata)."""
    out = folder / "voice.amr"
    run(*_sources(seconds, False), "-c:a", "libopencore_amrnb", "-b:a", "12.2k", out)
    return out


def adts(folder: Path, seconds: float = 2.0) -> Path:
    """A raw AAC (ADTS) recording."""
    out = folder / "voice.aac"
    run(*_sources(seconds, False), "-c:a", "aac", "-f", "adts", out)
    return out


def truncated(path: Path, keep: float = 0.5) -> Path:
    """A copy of ``path`` cut after ``keep`` of its bytes (a recording interrupted)."""
    data = path.read_bytes()
    out = path.with_name("cut-" + path.name)
    out.write_bytes(data[:int(len(data) * keep)])
    return out


def faststart(path: Path) -> Path:
    """``path`` rewritten with its index (moov) first, as streaming servers like it."""
    out = path.with_name("fast-" + path.name)
    run("-i", path, "-map", "0", "-c", "copy", "-movflags", "+faststart", out)
    return out


def subtitles_only(folder: Path) -> Path:
    """An MP4 holding a subtitle track and nothing else."""
    out = folder / "only-text.mp4"
    run("-i", _subtitles(folder), "-c:s", "mov_text", "-f", "mp4", out)
    return out


def mulaw_in_mp4(folder: Path) -> Path:
    """A real file the MP4 muxer cannot rewrite: μ-law sound in a QuickTime container
    whose brand says MP4 (ffmpeg reads it; its MP4 writer has no tag for μ-law)."""
    mov = folder / "mulaw.mov"
    run(*_sources(1.0, False), "-c:a", "pcm_mulaw", *_common_tags(), "-f", "mov", mov)
    data = bytearray(mov.read_bytes())
    assert data[4:12] == b"ftypqt  "
    data[8:12] = b"isom"
    out = folder / "phone.mp4"
    out.write_bytes(bytes(data))
    mov.unlink()
    return out


# --- checking -------------------------------------------------------------------------
def exiftool_json(path: Path) -> dict[str, object]:
    """Everything exiftool reads in ``path`` (all groups, embedded data, unknown tags);
    a type it does not know gives just its ``Error``."""
    proc = subprocess.run(["exiftool", "-j", "-a", "-G1", "-ee", "-u", str(path)],
                          capture_output=True)
    found = json.loads(proc.stdout)[0]
    unknown = found.get("ExifTool:Error") == "Unknown file type"
    assert proc.returncode == 0 or unknown, proc.stderr
    return found


#: exiftool tag names that are metadata about people, places, devices or the file's story.
TELLING_TAGS = ("GPS", "Location", "Author", "Artist", "Creator", "Make", "Model",
                "Comment", "Title", "XMP", "Chapter", "Originator", "Description",
                "Performer", "Copyright", "Encoder", "Software", "Picture", "Cover",
                "Subtitle", "Text", "Attachment", "Keywords", "Producer")
_NEUTRAL = ("ExifTool:", "File:", "System:")
#: Structural tags whose names contain a telling word, with the values a muxer writes.
_STRUCTURAL = {"HandlerDescription": ("VideoHandler", "SoundHandler", "DataHandler"),
               "SampleGroupDescription": None, "CopyrightFlag": ("False",)}


def leaks(meta: dict[str, object], markers: list[bytes]) -> list[str]:
    """exiftool's tags in ``meta`` that betray something: a telling name, or a value
    holding one of ``markers``."""
    found = []
    for key, value in meta.items():
        if key == "SourceFile" or key.startswith(_NEUTRAL):
            continue
        text = str(value)
        name = key.split(":")[-1]
        if name in _STRUCTURAL and (_STRUCTURAL[name] is None or text in _STRUCTURAL[name]):
            continue
        if any(word in key.split(":")[-1] for word in TELLING_TAGS) \
                or any(m.decode() in text for m in markers):
            found.append(f"{key}={text[:60]}")
    return found


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+\.\d+)")
_TIME = re.compile(r"time=(\d+):(\d+):(\d+\.\d+)")


def _seconds(match: re.Match[str] | None) -> float | None:
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def probe(path: Path) -> dict[str, object]:
    """As ffmpeg sees ``path`` after decoding every packet: whether all decode, the
    duration declared and the time decoded, the streams, whether a rotation is set."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-xerror", "-v", "info",
                           "-i", str(path), "-f", "null", "-"], capture_output=True)
    text = proc.stderr.decode(errors="replace")
    described = text.split("Output #0")[0]
    streams = re.findall(r"Stream #0:\d+[^:]*: (Video|Audio|Subtitle|Data|Attachment): "
                         r"(\w+)(.*)", described)
    times = list(_TIME.finditer(text))
    return {"decodes": proc.returncode == 0,
            "duration": _seconds(_DURATION.search(described)),
            "decoded": _seconds(times[-1]) if times else None,
            "streams": [(kind, codec) for kind, codec, rest in streams
                        if "attached pic" not in rest],
            "rotation": "rotation of" in described}
