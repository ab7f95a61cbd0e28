"""The attachments API on a real vault: storing, reading back, exporting, failing safely."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from fieldapp import attachments, audit
from fieldapp.errors import (
    AttachmentDamaged,
    InvalidInput,
    MediaRejected,
    NoOriginal,
    NotFound,
    UnreadableFile,
    UnsafePath,
)

from ..conftest import grep_tree
from . import pdf_samples, samples
from .conftest import RECORD_MARKER


def _files(vault) -> list[str]:
    return sorted(p.name for p in vault.files_dir.iterdir())


def test_photo_is_stored_clean_and_original_kept_on_request(vault, record_id, inputs):
    photo = samples.jpeg_with_metadata()
    aid = attachments.attach(vault, record_id, inputs("IMG_2025.jpg", photo),
                             keep_original=True)
    clean = attachments.read_bytes(vault, aid)
    img = Image.open(io.BytesIO(clean))
    assert not img.getexif() and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not img.info.get("xmp")
    for marker in samples.EXIF_MARKERS + [b"Exif\x00\x00", b"xmpmeta", b"8BIM"]:
        assert marker not in clean
    assert attachments.read_bytes(vault, aid, original=True) == photo
    info = attachments.info(vault, aid)
    assert info.kind == "image" and info.mime == "image/jpeg" and info.name == "IMG_2025.jpg"
    assert info.sha256_original == hashlib.sha256(photo).hexdigest()
    assert info.sha256_stored == hashlib.sha256(clean).hexdigest()
    assert (info.size, info.stored_size) == (len(photo), len(clean))
    assert (info.width, info.height) == (320, 200)
    assert info.has_original and info.has_thumbnail
    assert info.stripped["found"]["gps"] == len(samples.GPS)
    assert "location (GPS)" in info.stripped_text
    thumb = Image.open(io.BytesIO(attachments.thumbnail(vault, aid)))
    assert max(thumb.size) <= 256 and not thumb.getexif()
    assert _files(vault) == [f"{aid}.original", f"{aid}.stored"]
    assert [a.id for a in attachments.list_for(vault, record_id)] == [aid]
    assert "file_key" not in info.to_dict()


def test_without_keep_original_there_is_no_original(vault, record_id, inputs):
    aid = attachments.attach(vault, record_id, inputs("p.jpg", samples.jpeg_with_metadata()))
    assert _files(vault) == [f"{aid}.stored"]
    assert not attachments.info(vault, aid).has_original
    with pytest.raises(NoOriginal):
        attachments.read(vault, aid, original=True)
    with pytest.raises(NoOriginal):
        attachments.export_copy(vault, aid, Path(str(vault.profile.path) + "-out.jpg"),
                                original=True)


@pytest.mark.parametrize(("make", "name", "mime"), [
    (samples.docx, "report.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.odt, "report.odt", "application/vnd.oasis.opendocument.text"),
    (lambda: "MKTXT-témoignage de Sévaré\n".encode(), "notes.txt", "text/plain"),
])
def test_other_documents_round_trip_as_they_are(vault, record_id, inputs, make, name, mime):
    data = make()
    aid = attachments.attach(vault, record_id, inputs(name, data))
    info = attachments.info(vault, aid)
    assert (info.kind, info.mime) == ("document", mime)
    assert attachments.read_bytes(vault, aid) == data
    assert attachments.read_bytes(vault, aid, original=True) == data  # stored = original
    assert info.has_original and info.stripped == {"removed": False, "kind": "document"}
    assert info.sha256_original == info.sha256_stored == hashlib.sha256(data).hexdigest()
    assert attachments.thumbnail(vault, aid) is None
    assert _files(vault) == [f"{aid}.stored"]


def test_large_file_streams_across_many_chunks(vault, record_id, inputs):
    data = samples.wav(seconds=20)  # 320 kB: several 64 KiB chunks
    aid = attachments.attach(vault, record_id, inputs("long.wav", data))
    pieces = list(attachments.read(vault, aid))
    assert len(pieces) > 4 and b"".join(pieces) == data


def test_no_plaintext_in_the_profile_folder(vault, record_id, inputs, profile_dir, tmp_path):
    text_marker = b"MKTXT-secret-testimony-line"
    attachments.attach(vault, record_id, inputs("IMG_MKNAME.jpg",
                                                samples.jpeg_with_metadata()),
                       keep_original=True)
    attachments.attach(vault, record_id, inputs("t.txt", text_marker + b"\n"))
    document = pdf_samples.pdf_with_metadata(tmp_path)
    assert pdf_samples.BODY.encode() in document.read_bytes()
    attachments.attach(vault, record_id, document, keep_original=True)
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    markers = samples.EXIF_MARKERS + pdf_samples.MARKERS + [
        text_marker, pdf_samples.BODY.encode(), RECORD_MARKER.encode(), b"IMG_MKNAME",
        b"Exif\x00\x00"]
    assert grep_tree(profile_dir, markers) == []


def test_modes_and_no_temporary_files(vault, record_id, inputs, profile_dir):
    attachments.attach(vault, record_id, inputs("p.jpg", samples.jpeg_with_metadata()),
                       keep_original=True)
    assert stat.S_IMODE(vault.files_dir.stat().st_mode) == 0o700
    for path in vault.files_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in profile_dir.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("data", "name", "reason"), [
    (samples.png_bomb(), "bomb.png", "decompression bomb"),
    (samples.truncated_jpeg(), "cut.jpg", "truncated"),
    (samples.pdf(), "photo.jpg", "mislabelled"),
    (b"\x7fELF\x02\x01\x01" + bytes(200), "tool", "unsupported"),
    (b"", "empty.wav", "empty"),
])
def test_refused_files_leave_nothing_behind(vault, record_id, inputs, data, name, reason):
    with pytest.raises(MediaRejected) as info:
        attachments.attach(vault, record_id, inputs(name, data))
    assert info.value.params == {"name": name, "reason": reason}
    assert _files(vault) == []
    assert attachments.list_for(vault, record_id) == []


def test_size_limit_from_argument_and_setting(vault, record_id, inputs):
    data = samples.wav()
    with pytest.raises(MediaRejected) as info:
        attachments.attach(vault, record_id, inputs("a.wav", data), max_bytes=len(data) - 1)
    assert info.value.params["reason"] == "too large"
    vault.set_setting(attachments.MAX_BYTES_SETTING, str(len(data) - 1))
    with pytest.raises(MediaRejected):
        attachments.attach(vault, record_id, inputs("b.wav", data))
    vault.set_setting(attachments.MAX_BYTES_SETTING, str(len(data)))
    attachments.attach(vault, record_id, inputs("c.wav", data))
    assert len(_files(vault)) == 1


def test_unreadable_inputs(vault, record_id, tmp_path):
    with pytest.raises(UnreadableFile):
        attachments.attach(vault, record_id, tmp_path / "missing.jpg")
    with pytest.raises(UnreadableFile) as info:
        attachments.attach(vault, record_id, tmp_path)
    assert info.value.params["reason"] == "not a file"
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFile):
        attachments.attach(vault, record_id, fifo)


def test_unknown_record_and_identity_records(vault, inputs):
    path = inputs("a.wav", samples.wav())
    with pytest.raises(NotFound):
        attachments.attach(vault, "01900000-0000-7000-8000-000000000000", path)
    tid = vault.records.add("testimony", {"witness_code": "T-1", "text": "Récit",
                                          "identity": {"name": "Nom fictif"}})
    with pytest.raises(InvalidInput):
        attachments.attach(vault, vault.records.get(tid).identity_id, path)
    with pytest.raises(NotFound):
        attachments.info(vault, "nope")
    with pytest.raises(NotFound):
        attachments.read(vault, "nope")
    with pytest.raises(NotFound):
        attachments.thumbnail(vault, "nope")


def test_a_failed_database_write_removes_the_files(vault, record_id, inputs, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError):
        attachments.attach(vault, record_id, inputs("p.jpg", samples.jpeg_with_metadata()),
                           keep_original=True)
    assert _files(vault) == []
    assert vault.conn.execute("SELECT count(*) FROM attachment").fetchone()[0] == 0


def test_attach_and_export_are_audited(vault, record_id, inputs, tmp_path):
    photo = samples.jpeg_with_metadata()
    aid = attachments.attach(vault, record_id, inputs("p.jpg", photo), keep_original=True)
    out = attachments.export_copy(vault, aid, tmp_path / "copy.jpg", original=True)
    assert out.read_bytes() == photo
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entries = audit.entries(vault.conn)
    assert [e["action"] for e in entries[:2]] == ["export", "attach"]
    assert entries[1]["detail"]["sha256_original"] == hashlib.sha256(photo).hexdigest()
    assert entries[0]["detail"] == {"attachment": aid, "original": True,
                                    "sha256": hashlib.sha256(photo).hexdigest()}
    assert entries[0]["record_id"] == record_id
    assert audit.verify(vault.conn).ok


def test_export_refuses_unsafe_destinations(vault, record_id, inputs, tmp_path, profile_dir,
                                           monkeypatch):
    aid = attachments.attach(vault, record_id, inputs("a.wav", samples.wav()))
    existing = tmp_path / "exists.wav"
    existing.write_bytes(b"mine")
    cases = {existing: "exists", profile_dir / "copy.wav": "inside the profile folder",
             vault.files_dir / "copy.wav": "inside the profile folder",
             tmp_path / "no" / "such" / "a.wav": "no such folder"}
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "target-that-does-not-exist")
    cases[link] = "exists"
    for target, reason in cases.items():
        with pytest.raises(UnsafePath) as info:
            attachments.export_copy(vault, aid, target)
        assert info.value.params["reason"] == reason, target
    assert existing.read_bytes() == b"mine"
    assert not (tmp_path / "target-that-does-not-exist").exists()
    # A relative path is just a path the user chose.
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert attachments.export_copy(vault, aid, Path("../rel.wav")).resolve() == \
        tmp_path / "rel.wav"


def _corrupt(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x40
    elif how == "truncate":
        data = data[:-5]
    elif how == "drop-last-chunk":
        data = data[:12 + 65536 + 16]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flip", "truncate", "drop-last-chunk", "delete", "swap"])
def test_damaged_files_are_reported_and_leave_no_partial_copy(vault, record_id, inputs,
                                                              tmp_path, how):
    data = samples.wav(seconds=10)  # 160 kB: three chunks
    aid = attachments.attach(vault, record_id, inputs("a.wav", data))
    stored = vault.files_dir / f"{aid}.stored"
    if how == "delete":
        stored.unlink()
    elif how == "swap":
        other = attachments.attach(vault, record_id, inputs("b.wav", samples.wav(seconds=10)))
        stored.write_bytes((vault.files_dir / f"{other}.stored").read_bytes())
    else:
        _corrupt(stored, how)
    with pytest.raises(AttachmentDamaged) as info:
        attachments.read_bytes(vault, aid)
    assert info.value.params["id"] == aid
    out = tmp_path / "copy.wav"
    with pytest.raises(AttachmentDamaged):
        attachments.export_copy(vault, aid, out)
    assert not out.exists()
    assert [e["action"] for e in audit.entries(vault.conn)].count("export") == 0


def test_sweep_removes_leftovers_only(vault, record_id, inputs):
    aid = attachments.attach(vault, record_id, inputs("a.wav", samples.wav()))
    (vault.files_dir / f".{aid}.stored.abcd.tmp").write_bytes(b"x")
    (vault.files_dir / "0190-orphan.stored").write_bytes(b"x")
    assert attachments.sweep_leftovers(vault) == 2
    assert _files(vault) == [f"{aid}.stored"]
    assert attachments.read_bytes(vault, aid) == samples.wav()


def test_sealed_file_gives_what_decrypts_the_stored_copy_only(vault, record_id, inputs):
    from fieldapp.crypto import filecipher

    photo = samples.jpeg_with_metadata()
    aid = attachments.attach(vault, record_id, inputs("p.jpg", photo), keep_original=True)
    stored = attachments.sealed_file(vault, aid)
    original = attachments.sealed_file(vault, aid, original=True)
    assert stored.key != original.key and stored.context != original.context
    assert filecipher.decrypt_bytes(stored.path, stored.key, context=stored.context) == \
        attachments.read_bytes(vault, aid)
    with pytest.raises(AttachmentDamaged):
        filecipher.decrypt_bytes(original.path, stored.key, context=original.context)


class Cancelled(Exception):
    pass


def test_progress_is_reported_and_a_cancel_stores_nothing(vault, record_id, inputs, tmp_path):
    data = samples.txt_lines(320_000)
    seen: list[tuple[int, int]] = []
    aid = attachments.attach(vault, record_id, inputs("a.txt", data),
                             progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert len(seen) > 4

    def cancel(done: int, total: int) -> None:
        if done > 100_000:
            raise Cancelled()

    with pytest.raises(Cancelled):
        attachments.attach(vault, record_id, inputs("b.txt", data), progress=cancel)
    assert _files(vault) == [f"{aid}.stored"]
    out = tmp_path / "copy.txt"
    with pytest.raises(Cancelled):
        attachments.export_copy(vault, aid, out, progress=cancel)
    assert not out.exists()
    done: list[int] = []
    attachments.export_copy(vault, aid, out, progress=lambda d, t: done.append(d))
    assert done[-1] == len(data) and out.read_bytes() == data
