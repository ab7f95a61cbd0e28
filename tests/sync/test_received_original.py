"""An attachment received by sync offers an original only when one travelled with it."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from fieldapp import attachments, incoming, outbox
from fieldapp.errors import NoOriginal
from fieldapp.profile import Profile
from tests.conftest import PASSPHRASE


def _photo(path):
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerMarker"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buf, "JPEG", exif=exif)
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize("keep_original", [True, False])
def test_received_image_has_no_original(vault, tmp_path, keep_original):
    rid = vault.records.add("incident", {"title": "t", "occurred_on": "2024",
                                         "event_type": "looting"})
    att = attachments.attach(vault, rid, _photo(tmp_path / "p.jpg"), keep_original)
    item = outbox.attachment_item(vault.conn, att)
    other, _ = Profile(tmp_path / "other").create("Coord-1", PASSPHRASE, kdf_seconds=0)
    try:
        other_rid = other.records.add("incident", {"title": "t", "occurred_on": "2024",
                                                   "event_type": "looting"})
        shutil.copyfile(vault.files_dir / f"{att}.stored", other.files_dir / f"{att}.stored")
        incoming.complete_attachment(other.conn, {**item, "record_id": other_rid}, "Coord-1")
        assert attachments.read_bytes(other, att) == attachments.read_bytes(vault, att)
        with pytest.raises(NoOriginal):
            attachments.read_bytes(other, att, original=True)
    finally:
        other.close()


def test_received_document_original_is_the_stored_copy(vault, tmp_path):
    rid = vault.records.add("incident", {"title": "t", "occurred_on": "2024",
                                         "event_type": "looting"})
    doc = tmp_path / "note.txt"
    doc.write_text("plain notes")
    att = attachments.attach(vault, rid, doc)
    item = outbox.attachment_item(vault.conn, att)
    other, _ = Profile(tmp_path / "other").create("Coord-1", PASSPHRASE, kdf_seconds=0)
    try:
        other_rid = other.records.add("incident", {"title": "t", "occurred_on": "2024",
                                                   "event_type": "looting"})
        shutil.copyfile(vault.files_dir / f"{att}.stored", other.files_dir / f"{att}.stored")
        incoming.complete_attachment(other.conn, {**item, "record_id": other_rid}, "Coord-1")
        assert attachments.read_bytes(other, att, original=True) == b"plain notes"
    finally:
        other.close()
