"""PDF documents are stored without their metadata: made here with author, title, GPS,
XMP, comment authors, a photo carrying EXIF and an earlier revision, attached, then checked
with exiftool, a grep of every decompressed object, and pikepdf (same pages, same text)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from fieldapp import attachments, documents
from fieldapp.errors import MediaRejected

from ..conftest import grep_tree
from . import av_samples as av
from . import pdf_samples, samples


def _every_byte(data: bytes) -> bytes:
    """The file's bytes plus every object and stream decompressed (markers could hide in
    a compressed stream)."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            parts.append(repr(obj).encode("utf-8", "replace"))
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"\n".join(parts)


def _text(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return b"".join(page.Contents.read_bytes() for page in pdf.pages)


def test_a_pdf_is_stored_without_its_metadata(vault, record_id, tmp_path, profile_dir):
    src = pdf_samples.pdf_with_metadata(tmp_path)
    original = src.read_bytes()
    before = av.exiftool_json(src)
    assert len(av.leaks(before, pdf_samples.MARKERS)) >= 5, before
    assert pdf_samples.OLD_AUTHOR.encode() in original  # the earlier revision

    aid = attachments.attach(vault, record_id, src)
    data = attachments.read_bytes(vault, aid)
    stored = tmp_path / "stored.pdf"
    stored.write_bytes(data)
    assert av.leaks(av.exiftool_json(stored), pdf_samples.MARKERS) == []
    everything = _every_byte(data)
    assert [m for m in pdf_samples.MARKERS if m in everything] == []
    assert b"xmpmeta" not in everything and b"Exif\x00\x00" not in everything

    # Still the same document: pages, text, comment, picture pixels.
    assert pdf_samples.page_count(data) == pdf_samples.page_count(original) == 3
    assert _text(data) == _text(original)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted and "/Info" not in pdf.trailer
        comment = pdf.pages[0].Annots[0]
        assert str(comment.Contents) == "see page 2" and "/T" not in comment
        picture = pdf.pages[0].Resources.XObject.Im1
        image = Image.open(io.BytesIO(picture.read_raw_bytes()))
        assert image.size == (64, 48) and not image.getexif()
        image.load()

    info = attachments.info(vault, aid)
    assert (info.kind, info.mime) == ("document", "application/pdf")
    assert info.sha256_original == hashlib.sha256(original).hexdigest()
    assert info.sha256_stored == hashlib.sha256(data).hexdigest()
    assert not info.has_original
    found = info.stripped["found"]
    assert {"owner", "gps", "dates", "software", "title", "xmp", "photo_details",
            "other"} <= set(found), found
    assert info.stripped["pages"] == 3
    assert [m for m in pdf_samples.MARKERS if m.decode() in json.dumps(info.stripped)] == []
    assert "owner or author name" in info.stripped_text
    assert "hidden details of embedded photos" in info.stripped_text
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert grep_tree(profile_dir, pdf_samples.MARKERS + [pdf_samples.BODY.encode()]) == []


def test_the_original_pdf_is_kept_only_on_request(vault, record_id, tmp_path):
    src = pdf_samples.pdf_with_metadata(tmp_path)
    aid = attachments.attach(vault, record_id, src, keep_original=True)
    assert attachments.read_bytes(vault, aid, original=True) == src.read_bytes()
    assert sorted(p.name for p in vault.files_dir.iterdir()) == [f"{aid}.original",
                                                                  f"{aid}.stored"]
    assert pdf_samples.AUTHOR.encode() not in attachments.read_bytes(vault, aid)


def test_embedded_files_are_kept_and_said(vault, record_id, tmp_path):
    aid = attachments.attach(vault, record_id, pdf_samples.pdf_with_embedded_file(tmp_path))
    info = attachments.info(vault, aid)
    assert info.stripped["kept"] == {"embedded_files": 1}
    assert "Files embedded in it were kept as they are" in info.stripped_text
    with pikepdf.open(io.BytesIO(attachments.read_bytes(vault, aid))) as pdf:
        assert pdf.attachments["notes.txt"].get_file().read_bytes() == \
            pdf_samples.EMBEDDED.encode()


def test_a_pdf_restricted_without_a_password_is_cleaned_and_unlocked(vault, record_id,
                                                                      tmp_path):
    src = pdf_samples.encrypted_pdf(tmp_path, user="")
    aid = attachments.attach(vault, record_id, src)
    data = attachments.read_bytes(vault, aid)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted and "/Info" not in pdf.trailer
    assert pdf_samples.AUTHOR.encode() not in _every_byte(data)
    assert attachments.info(vault, aid).stripped["found"] == {"owner": 1}


@pytest.mark.parametrize(("make", "name", "reason"), [
    (lambda d: pdf_samples.encrypted_pdf(d).read_bytes(), "locked.pdf", "encrypted"),
    (lambda d: b"%PDF-1.7\n" + bytes(range(256)) * 8, "garbage.pdf", "truncated"),
    (lambda d: b"%PDF-1.4\n%%EOF\n", "empty-shell.pdf", "truncated"),
    (lambda d: pdf_samples.pdf_with_metadata(d).read_bytes(), "scan.jpg", "mislabelled"),
    (lambda d: samples.jpeg_with_metadata(), "report.pdf", "mislabelled"),
])
def test_bad_pdfs_are_refused_and_leave_nothing(vault, record_id, tmp_path, inputs, make,
                                                name, reason):
    with pytest.raises(MediaRejected) as raised:
        attachments.attach(vault, record_id, inputs(name, make(tmp_path)))
    assert raised.value.params == {"name": name, "reason": reason}
    assert list(vault.files_dir.iterdir()) == []


def test_a_cancel_while_the_pdf_is_written_leaves_nothing(vault, record_id, tmp_path):
    src = pdf_samples.pdf_with_metadata(tmp_path, pages=40)

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        if done > total // 2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        attachments.attach(vault, record_id, src, keep_original=True, progress=cancel)
    assert list(vault.files_dir.iterdir()) == []


def test_jpeg_blocks_are_stripped_without_touching_the_picture():
    photo = samples.jpeg_with_metadata()
    clean = documents.strip_jpeg(photo)
    assert clean is not None and len(clean) < len(photo)
    for marker in samples.EXIF_MARKERS:
        assert marker not in clean
    assert clean.split(b"\xff\xda", 1)[1] == photo.split(b"\xff\xda", 1)[1]  # same scan
    assert Image.open(io.BytesIO(clean)).size == Image.open(io.BytesIO(photo)).size
    assert documents.strip_jpeg(clean) is None          # nothing more to remove
    assert documents.strip_jpeg(b"not a jpeg") is None
    assert documents.strip_jpeg(photo[:40]) is None     # cut before the picture


def test_a_pdf_is_pushed_out_object_by_object_not_whole(tmp_path: Path):
    data = pdf_samples.big_pdf(4 << 20, parts=4)
    writes: list[int] = []
    with io.BytesIO(data) as source:
        documents.clean_pdf(source, "big.pdf", lambda b: writes.append(len(b)))
    assert sum(writes) > 4 << 20 and max(writes) < 1.2 * (1 << 20)
