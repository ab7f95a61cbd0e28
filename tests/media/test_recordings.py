"""Recordings and videos are stored without their metadata: made here with GPS, author and
title markers, attached, then checked with exiftool and a byte grep (nothing left) and
with ffmpeg (every packet still decodes, same duration, same sound and picture tracks)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldapp import attachments, recordings
from fieldapp.errors import MediaRejected

from ..conftest import grep_tree
from . import av_samples as av


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ffmpeg's work folders go to a temporary folder of this test's own, to be watched."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def made(tmp_path: Path) -> Path:
    folder = tmp_path / "made"
    folder.mkdir()
    return folder


def _files(vault) -> list[str]:
    return sorted(p.name for p in vault.files_dir.iterdir())


def _stored_copy(vault, aid: str, folder: Path, name: str) -> Path:
    out = folder / f"stored-{name}"
    out.write_bytes(attachments.read_bytes(vault, aid))
    return out


KINDS: dict[str, tuple[Callable[[Path], Path], str, str, set[str]]] = {
    # label: (maker, kind, mime, kinds of metadata the summary must name)
    "mp4": (lambda f: av.quicktime(f, "clip.mp4", "mp4", rotation=90), "video", "video/mp4",
            {"gps", "owner", "device", "xmp", "title", "tracks", "chapters"}),
    "mov": (lambda f: av.quicktime(f, "clip.mov", "mov"), "video", "video/quicktime",
            {"gps", "owner", "device", "xmp", "tracks", "chapters"}),
    "3gp": (lambda f: av.quicktime(f, "clip.3gp", "3gp"), "video", "video/3gpp",
            {"gps", "owner", "device", "xmp"}),
    "m4a": (av.m4a, "audio", "audio/mp4", {"gps", "owner", "xmp", "pictures"}),
    "webm": (lambda f: av.matroska(f, webm=True), "video", "video/webm",
             {"gps", "owner", "title", "tracks", "chapters"}),
    "mkv": (lambda f: av.matroska(f, webm=False), "video", "video/webm",
            {"gps", "owner", "title", "tracks", "chapters"}),
    "mp3": (av.mp3, "audio", "audio/mpeg", {"gps", "owner", "xmp", "pictures", "comment"}),
    "opus": (lambda f: av.ogg(f, "opus"), "audio", "audio/ogg", {"gps", "owner", "comment"}),
    "vorbis": (lambda f: av.ogg(f, "vorbis"), "audio", "audio/ogg", {"gps", "owner"}),
    "wav": (av.wav, "audio", "audio/wav", {"gps", "owner", "dates", "xmp", "comment"}),
    "amr": (av.amr, "audio", "audio/amr", set()),
    "aac": (av.adts, "audio", "audio/aac", set()),
}


@pytest.mark.parametrize("label", list(KINDS))
def test_each_kind_is_stored_without_metadata(vault, record_id, made, tmp_path, profile_dir,
                                              private_tmp, label):
    make, kind, mime, expected = KINDS[label]
    src = make(made)
    before = av.exiftool_json(src)
    if expected:  # the sample really carries what must go (so this test can fail)
        assert len(av.leaks(before, av.MARKERS)) >= 3, before
    aid = attachments.attach(vault, record_id, src)

    info = attachments.info(vault, aid)
    assert (info.kind, info.mime, info.name) == (kind, mime, src.name)
    stored = _stored_copy(vault, aid, tmp_path, src.name)
    data = stored.read_bytes()
    assert av.leaks(av.exiftool_json(stored), av.MARKERS) == []
    assert [m for m in av.MARKERS if m in data] == []

    # Still the same recording: every packet decodes, same length, same tracks.
    was, now = av.probe(src), av.probe(stored)
    assert now["decodes"], now
    assert abs(now["decoded"] - was["decoded"]) < 0.15, (was, now)
    assert now["streams"] == [s for s in was["streams"] if s[0] in ("Video", "Audio")]
    assert now["rotation"] == was["rotation"]

    # Chain of custody: the original's hash, no original kept unless asked for.
    assert info.sha256_original == hashlib.sha256(src.read_bytes()).hexdigest()
    assert info.sha256_stored == hashlib.sha256(data).hexdigest() != info.sha256_original \
        or not expected
    assert (info.size, info.stored_size) == (src.stat().st_size, len(data))
    assert not info.has_original and _files(vault) == [f"{aid}.stored"]

    # The summary names the kinds of metadata found, never a value.
    assert info.stripped["removed"] is True
    assert expected <= set(info.stripped["found"]), info.stripped
    assert [m for m in av.MARKERS if m.decode() in json.dumps(info.stripped)] == []
    if expected:
        assert info.stripped_text.startswith("Removed from the stored copy: location (GPS)")

    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert grep_tree(profile_dir, av.MARKERS) == []
    assert list(private_tmp.iterdir()) == []  # the work folder was shredded


def test_keep_original_keeps_the_untouched_video(vault, record_id, made, tmp_path):
    src = av.quicktime(made, "clip.mp4", "mp4")
    aid = attachments.attach(vault, record_id, src, keep_original=True)
    info = attachments.info(vault, aid)
    assert info.has_original
    assert _files(vault) == [f"{aid}.original", f"{aid}.stored"]
    assert attachments.read_bytes(vault, aid, original=True) == src.read_bytes()
    assert info.sha256_original == hashlib.sha256(src.read_bytes()).hexdigest()
    stored = attachments.read_bytes(vault, aid)
    assert info.sha256_stored == hashlib.sha256(stored).hexdigest()
    assert [m for m in av.MARKERS if m in stored] == []
    out = attachments.export_copy(vault, aid, tmp_path / "exported.mp4")
    assert av.leaks(av.exiftool_json(out), av.MARKERS) == []


def test_a_faststart_video_is_cleaned_too(vault, record_id, made, tmp_path):
    src = av.faststart(av.quicktime(made, "clip.mp4", "mp4"))
    aid = attachments.attach(vault, record_id, src)
    stored = _stored_copy(vault, aid, tmp_path, "clip.mp4")
    assert av.leaks(av.exiftool_json(stored), av.MARKERS) == []
    assert av.probe(stored)["decodes"]


@pytest.mark.parametrize(("make", "name", "reason"), [
    (lambda f: av.truncated(av.quicktime(f, "clip.mp4", "mp4", seconds=6)), "cut.mp4",
     "truncated"),                                    # its index (moov) was never written
    (lambda f: av.truncated(av.faststart(av.quicktime(f, "clip.mp4", "mp4", seconds=6))),
     "cut-fast.mp4", "truncated"),                    # index first, pictures cut short
    (lambda f: av.truncated(av.mp3(f), 0.01), "cut.mp3", "truncated"),
    (lambda f: av.subtitles_only(f), "text.mp4", "no sound or picture"),
    (lambda f: av.wav(f), "voice.mp3", "mislabelled"),
    (lambda f: av.quicktime(f, "clip.mp4", "mp4"), "clip.webm", "mislabelled"),
])
def test_bad_recordings_are_refused_and_leave_nothing(vault, record_id, made, private_tmp,
                                                      make, name, reason):
    src = make(made)
    lying = src.rename(src.with_name(name))
    with pytest.raises(MediaRejected) as raised:
        attachments.attach(vault, record_id, lying)
    assert raised.value.params == {"name": name, "reason": reason}
    assert _files(vault) == [] and attachments.list_for(vault, record_id) == []
    assert list(private_tmp.iterdir()) == []


def test_a_header_with_nothing_behind_it_is_refused(vault, record_id, inputs):
    from . import samples

    for name, data in (("clip.mp4", samples.mp4()), ("voice.ogg", samples.ogg_opus()),
                       ("voice.m4a", samples.m4a())):
        with pytest.raises(MediaRejected) as raised:
            attachments.attach(vault, record_id, inputs(name, data))
        assert raised.value.params["reason"] == "truncated", name
    assert _files(vault) == []


def test_a_file_that_cannot_be_rewritten_is_stored_as_it_is_with_a_warning(
        vault, record_id, made):
    src = av.mulaw_in_mp4(made)
    aid = attachments.attach(vault, record_id, src, keep_original=True)
    info = attachments.info(vault, aid)
    assert info.stripped == {"removed": False, "kind": "video", "reason": "not rebuilt"}
    assert "could not be rewritten" in info.stripped_text
    assert attachments.read_bytes(vault, aid) == src.read_bytes()
    assert info.has_original and _files(vault) == [f"{aid}.stored"]


def test_without_ffmpeg_recordings_are_stored_as_they_are_with_a_warning(
        vault, record_id, made, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(made / "no-such-ffmpeg"))
    src = av.ogg(made, "opus")
    aid = attachments.attach(vault, record_id, src)
    info = attachments.info(vault, aid)
    assert info.stripped == {"removed": False, "kind": "audio", "reason": "no tool"}
    assert "tool that removes hidden details" in info.stripped_text
    assert attachments.read_bytes(vault, aid) == src.read_bytes() and info.has_original


class Cancelled(Exception):
    pass


def test_progress_runs_over_three_passes_and_a_cancel_during_ffmpeg_stores_nothing(
        vault, record_id, made, private_tmp):
    src = av.quicktime(made, "clip.mp4", "mp4", seconds=4)
    size = src.stat().st_size
    seen: list[tuple[int, int]] = []
    attachments.attach(vault, record_id, src, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 3 * size) and seen[-1] == (3 * size, 3 * size)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert any(size < d <= 2 * size for d, _t in seen)      # ffmpeg reported too

    def cancel(done: int, total: int) -> None:
        if done > size:  # ffmpeg is running
            raise Cancelled()

    with pytest.raises(Cancelled):
        attachments.attach(vault, record_id, src, keep_original=True, progress=cancel)
    assert len(_files(vault)) == 1 and len(attachments.list_for(vault, record_id)) == 1
    assert list(private_tmp.iterdir()) == []


def test_a_file_changed_while_attached_is_refused(vault, record_id, made, private_tmp):
    src = av.wav(made)

    def meddle(done: int, total: int) -> None:
        if done > total // 3:  # the original was hashed; ffmpeg is reading
            with src.open("ab") as fh:
                fh.write(b"\x00" * 64)

    with pytest.raises(MediaRejected) as raised:
        attachments.attach(vault, record_id, src, progress=meddle)
    assert raised.value.params["reason"] == "changed"
    assert _files(vault) == []


def test_stale_work_folders_are_shredded_fresh_ones_kept(private_tmp):
    stale = private_tmp / f"{recordings.WORKSPACE_PREFIX}crashed"
    stale.mkdir()
    (stale / "copy.mp4").write_bytes(b"plaintext left by a crash")
    fresh = private_tmp / f"{recordings.WORKSPACE_PREFIX}running"
    fresh.mkdir()
    import os
    import time

    old = time.time() - 2 * recordings.STALE_SECONDS
    os.utime(stale / "copy.mp4", (old, old))
    os.utime(stale, (old, old))
    assert recordings.sweep_workspaces(private_tmp) == 1
    assert not stale.exists() and fresh.exists()


def test_the_work_folder_is_never_inside_the_profile(vault, record_id, made, monkeypatch,
                                                     profile_dir):
    from fieldapp.errors import UnsafePath

    inside = profile_dir / "tmp"
    inside.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(inside))
    with pytest.raises(UnsafePath):
        attachments.attach(vault, record_id, av.amr(made))
    assert _files(vault) == []


def test_xmp_is_noticed_across_piece_boundaries():
    spotter = recordings.XmpSpotter()
    packet = b"....<x:xmpmeta xmlns:x=..."
    cut = packet.index(b"xmp") + 1
    spotter.feed(b"a" * 100 + packet[:cut])
    assert not spotter.seen
    spotter.feed(packet[cut:])
    assert spotter.seen
