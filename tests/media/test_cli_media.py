"""``fieldapp attach`` and ``fieldapp attachment get`` through the real command line."""

from __future__ import annotations

import hashlib
import io
import json
import stat
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from ..conftest import grep_tree
from . import samples
from .conftest import INCIDENT, RECORD_MARKER


@pytest.fixture
def incident(cli, initialised, tmp_path: Path) -> str:
    source = tmp_path / "incident.json"
    source.write_text(json.dumps(INCIDENT), encoding="utf-8")
    result = cli("incident", "add", "--from", str(source))
    assert result.code == 0, result.err
    return result.out.strip()


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.code == code, (result.out, result.err)
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in lines[0], lines[0]


def test_photo_round_trip_and_nothing_readable_in_the_profile(cli, incident, tmp_path,
                                                              profile_dir):
    photo = samples.jpeg_with_metadata()
    src = tmp_path / "IMG_MKNAME.jpg"
    src.write_bytes(photo)
    text_marker = b"MKTXT-the-witness-said"
    notes = tmp_path / "notes.txt"
    notes.write_bytes(text_marker + b"\n")

    result = cli("attach", incident, str(src), "--keep-original")
    assert result.code == 0, result.err
    aid = result.out.strip()
    assert result.out == aid + "\n" and len(aid) == 36  # the id alone on stdout
    assert "location (GPS)" in result.err
    assert cli("attach", incident, str(notes)).code == 0

    clean_out = tmp_path / "clean.jpg"
    got = cli("attachment", "get", aid, "--out", str(clean_out))
    assert got.code == 0 and got.out == "", got.err
    assert "not encrypted" in got.err
    clean = clean_out.read_bytes()
    img = Image.open(io.BytesIO(clean))
    assert not img.getexif() and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for marker in samples.EXIF_MARKERS + [b"Exif\x00\x00", b"xmpmeta"]:
        assert marker not in clean
    assert stat.S_IMODE(clean_out.stat().st_mode) == 0o600

    original_out = tmp_path / "original.jpg"
    assert cli("attachment", "get", aid, "--out", str(original_out), "--original").code == 0
    assert original_out.read_bytes() == photo

    shown = cli("attachment", "show", aid, "--json").json()
    assert shown["sha256_original"] == hashlib.sha256(photo).hexdigest()
    assert shown["sha256_stored"] == hashlib.sha256(clean).hexdigest()
    listed = cli("attachment", "list", incident, "--json").json()
    assert [a["id"] for a in listed][0] == aid and len(listed) == 2
    assert aid in cli("show", incident).out

    # No EXIF marker, no text content, no record text anywhere in the profile folder.
    markers = samples.EXIF_MARKERS + [text_marker, RECORD_MARKER.encode(), b"IMG_MKNAME"]
    assert grep_tree(profile_dir, markers) == []
    # No temporary files; files 0600, folders 0700.
    for path in profile_dir.rglob("*"):
        assert not path.name.endswith(".tmp"), path
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert cli("audit", "verify").code == 0


def test_original_not_kept_and_unsafe_outputs(cli, incident, tmp_path, profile_dir):
    src = tmp_path / "p.jpg"
    src.write_bytes(samples.jpeg_with_metadata())
    aid = cli("attach", incident, str(src)).out.strip()
    _one_line_error(cli("attachment", "get", aid, "--out", str(tmp_path / "o.jpg"),
                        "--original"), 2, "No original")
    assert not (tmp_path / "o.jpg").exists()
    existing = tmp_path / "existing.jpg"
    existing.write_bytes(b"mine")
    _one_line_error(cli("attachment", "get", aid, "--out", str(existing)), 2,
                    "already exists")
    assert existing.read_bytes() == b"mine"
    _one_line_error(cli("attachment", "get", aid, "--out", str(profile_dir / "x.jpg")), 2,
                    "profile folder")
    _one_line_error(cli("attachment", "get", "no-such-id", "--out", str(tmp_path / "n")), 2,
                    "no-such-id")


@pytest.mark.parametrize(("name", "make", "words"), [
    ("bomb.png", samples.png_bomb, ("bomb.png", "image bomb")),
    ("cut.jpg", samples.truncated_jpeg, ("cut.jpg", "truncated")),
    ("photo.jpg", samples.pdf, ("photo.jpg", "does not match its name")),
])
def test_bad_files_refused_in_one_line(cli, incident, tmp_path, profile_dir, name, make,
                                       words):
    src = tmp_path / name
    src.write_bytes(make())
    _one_line_error(cli("attach", incident, str(src)), 2, *words)
    assert [p for p in profile_dir.glob("vault-*.files/*")] == []


def test_unreadable_input_and_unknown_record(cli, incident, tmp_path):
    _one_line_error(cli("attach", incident, str(tmp_path / "missing.jpg")), 2,
                    "Cannot read", "missing.jpg")
    _one_line_error(cli("attach", incident, str(tmp_path)), 2, "Cannot read",
                    "not a regular file")
    src = tmp_path / "a.wav"
    src.write_bytes(samples.wav())
    _one_line_error(cli("attach", "01900000-0000-7000-8000-000000000000", str(src)), 2,
                    "Nothing found")


def test_tampered_file_gives_a_clear_error_and_no_copy(cli, incident, tmp_path,
                                                       profile_dir):
    src = tmp_path / "a.wav"
    src.write_bytes(samples.wav(seconds=5))
    aid = cli("attach", incident, str(src)).out.strip()
    stored = next(profile_dir.glob(f"vault-*.files/{aid}.stored"))
    data = bytearray(stored.read_bytes())
    data[100] ^= 0xFF
    stored.write_bytes(bytes(data))
    out = tmp_path / "copy.wav"
    _one_line_error(cli("attachment", "get", aid, "--out", str(out)), 1, aid, "damaged",
                    "record itself is safe")
    assert not out.exists()
    stored.write_bytes(bytes(data[:-20]))
    _one_line_error(cli("attachment", "get", aid, "--out", str(out)), 1, "damaged")
    assert not out.exists()


def test_messages_in_french(cli, incident, tmp_path):
    src = tmp_path / "photo.jpg"
    src.write_bytes(samples.pdf())
    result = cli("--lang", "fr", "attach", incident, str(src))
    assert result.code == 2 and "photo.jpg" in result.err
    assert "refusé" in result.err and "refused" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_video_from_the_command_line_loses_its_gps_and_keeps_its_original(cli, incident,
                                                                        tmp_path):
    from . import av_samples as av

    src = av.quicktime(tmp_path, "VID_2025.mp4", "mp4")
    result = cli("attach", incident, str(src), "--keep-original")
    assert result.code == 0, result.err
    aid = result.out.strip()
    assert result.err.startswith("Removed from the stored copy: location (GPS)")
    assert len(result.err.strip().splitlines()) == 1
    clean = tmp_path / "clean.mp4"
    assert cli("attachment", "get", aid, "--out", str(clean)).code == 0
    assert av.leaks(av.exiftool_json(clean), av.MARKERS) == []
    assert av.probe(clean)["decodes"]
    original = tmp_path / "original.mp4"
    assert cli("attachment", "get", aid, "--out", str(original), "--original").code == 0
    assert original.read_bytes() == src.read_bytes()
    shown = cli("attachment", "show", aid).out
    assert "original kept: yes" in shown and "location (GPS)" in shown


def _bad_media(tmp_path: Path, which: str) -> Path:
    from . import av_samples as av
    from . import pdf_samples

    if which == "cut.mp4":
        return av.truncated(av.quicktime(tmp_path, "clip.mp4", "mp4", seconds=4))
    if which == "locked.pdf":
        return pdf_samples.encrypted_pdf(tmp_path)
    if which == "text.mp4":
        return av.subtitles_only(tmp_path)
    wav = av.wav(tmp_path)
    return wav.rename(tmp_path / "voice.mp3")


@pytest.mark.parametrize(("which", "words"), [
    ("cut.mp4", ("cut-clip.mp4", "truncated or damaged")),
    ("locked.pdf", ("locked.pdf", "protected by a password")),
    ("text.mp4", ("only-text.mp4", "no sound or picture")),
    ("voice.mp3", ("voice.mp3", "does not match its name")),
])
def test_bad_recordings_and_pdfs_refused_in_one_line(cli, incident, tmp_path, profile_dir,
                                                      which, words):
    src = _bad_media(tmp_path, which)
    _one_line_error(cli("attach", incident, str(src)), 2, *words)
    assert [p for p in profile_dir.glob("vault-*.files/*")] == []


def test_locked_pdf_refused_in_french(cli, incident, tmp_path):
    src = _bad_media(tmp_path, "locked.pdf")
    result = cli("--lang", "fr", "attach", incident, str(src))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "mot de passe" in result.err and "password" not in result.err


def test_without_ffmpeg_a_recording_is_stored_as_it_is_with_a_warning(cli, incident,
                                                                      tmp_path):
    from . import av_samples as av

    src = av.ogg(tmp_path, "opus")
    result = cli("attach", incident, str(src),
                 IMAGEIO_FFMPEG_EXE=str(tmp_path / "no-ffmpeg-here"))
    assert result.code == 0, result.err
    assert "tool that removes hidden details" in result.err
    copy = tmp_path / "copy.opus"
    assert cli("attachment", "get", result.out.strip(), "--out", str(copy)).code == 0
    assert copy.read_bytes() == src.read_bytes()
