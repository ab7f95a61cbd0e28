"""Type sniffing and image cleaning, without a profile."""

from __future__ import annotations

import io
import json

import pytest
from PIL import ExifTags, Image, ImageOps

from fieldapp import i18n, media
from fieldapp.errors import MediaRejected

from . import samples


def _sniff(data: bytes, name: str) -> media.FileType:
    return media.sniff(io.BytesIO(data), name)


def _reason(data: bytes, name: str) -> str:
    with pytest.raises(MediaRejected) as info:
        ftype = _sniff(data, name)
        if ftype.kind == "image":
            media.clean_image(data, name, ftype)
    assert info.value.params["name"] == name
    return str(info.value.params["reason"])


@pytest.mark.parametrize(("make", "name", "label", "kind"), [
    (samples.jpeg_with_metadata, "p.JPG", "jpeg", "image"),
    (samples.png_with_metadata, "p.png", "png", "image"),
    (samples.webp_with_metadata, "p.webp", "webp", "image"),
    (samples.gif_with_comment, "p.gif", "gif", "image"),
    (samples.tiff_with_metadata, "p.tiff", "tiff", "image"),
    (samples.heic_with_metadata, "IMG_0001.HEIC", "heic", "image"),
    (samples.wav, "a.wav", "wav", "audio"),
    (samples.mp3, "a.mp3", "mp3", "audio"),
    (samples.ogg_opus, "voice.opus", "ogg", "audio"),
    (samples.m4a, "a.m4a", "m4a", "audio"),
    (samples.amr, "a.amr", "amr", "audio"),
    (samples.mp4, "v.mp4", "mp4", "video"),
    (samples.mp4, "v.m4a", "m4a", "audio"),  # same container: the name decides the kind
    (samples.pdf, "d.pdf", "pdf", "document"),
    (samples.docx, "d.docx", "docx", "document"),
    (samples.odt, "d.odt", "odt", "document"),
    (lambda: "Témoignage recueilli à Sévaré\n".encode(), "t.txt", "txt", "document"),
    (lambda: "Récit\n".encode("cp1252"), "t.txt", "txt", "document"),
    (samples.jpeg_with_metadata, "no-extension", "jpeg", "image"),
])
def test_sniff_recognises_real_types(make, name, label, kind) -> None:
    ftype = _sniff(make(), name)
    assert (ftype.label, ftype.kind) == (label, kind)


@pytest.mark.parametrize(("data", "name", "reason"), [
    (samples.pdf(), "photo.jpg", "mislabelled"),
    (samples.jpeg_with_metadata(), "scan.pdf", "mislabelled"),
    (samples.png_with_metadata(), "photo.jpg", "mislabelled"),
    (samples.docx(), "report.odt", "mislabelled"),
    (samples.mp4(), "clip.mp3", "mislabelled"),
    (b"\x00\x01\x02\x03binary junk" * 10, "photo.jpg", "mislabelled"),
    (b"\x00\x01\x02\x03binary junk" * 10, "blob.bin", "unsupported"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100), "setup.exe", "unsupported"),
    (samples.plain_zip(), "archive.zip", "unsupported"),
    (samples.plain_zip(), "report.docx", "unsupported"),
    (b"", "empty.jpg", "empty"),
    (samples.png_bomb(), "bomb.png", "decompression bomb"),
    (samples.png_bomb(12_000, 12_000), "big.png", "decompression bomb"),
    (samples.truncated_jpeg(), "cut.jpg", "truncated"),
    (samples.png_with_metadata()[:-200], "cut.png", "truncated"),
    (b"\xff\xd8\xff\xe0" + bytes(50), "garbage.jpg", "truncated"),
])
def test_bad_files_are_refused_with_a_reason(data: bytes, name: str, reason: str) -> None:
    assert _reason(data, name) == reason


def test_the_pixel_limit_is_configurable() -> None:
    data = samples.jpeg_with_metadata()
    ftype = _sniff(data, "p.jpg")
    with pytest.raises(MediaRejected) as info:
        media.clean_image(data, "p.jpg", ftype, max_pixels=320 * 200 - 1)
    assert info.value.params["reason"] == "decompression bomb"
    assert media.clean_image(data, "p.jpg", ftype, max_pixels=320 * 200).width == 320


@pytest.mark.parametrize(("make", "name"), [
    (samples.jpeg_with_metadata, "p.jpg"), (samples.png_with_metadata, "p.png"),
    (samples.webp_with_metadata, "p.webp"), (samples.gif_with_comment, "p.gif"),
    (samples.tiff_with_metadata, "p.tif"), (samples.heic_with_metadata, "p.heic"),
])
def test_cleaned_images_keep_no_metadata(make, name) -> None:
    data = make()
    assert any(m in data for m in samples.EXIF_MARKERS)
    clean = media.clean_image(data, name, _sniff(data, name))
    for blob in (clean.data, clean.thumbnail):
        assert blob is not None
        for marker in samples.EXIF_MARKERS + [b"Exif\x00\x00", b"xmpmeta", b"Photoshop 3.0",
                                              b"ICC_PROFILE", b"eXIf", b"iTXt", b"tEXt"]:
            assert marker not in blob, marker
        img = Image.open(io.BytesIO(blob))
        exif = img.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert not {0x010F, 0x0110, 0x013B, 0x0131} & set(exif)
        assert not img.info.get("xmp") and not img.info.get("icc_profile")
        assert not img.info.get("comment")
    assert clean.stripped["removed"] is True
    assert clean.stripped["found"]
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) <= media.THUMBNAIL_SIZE


def test_summary_names_kinds_never_values() -> None:
    data = samples.jpeg_with_metadata()
    clean = media.clean_image(data, "p.jpg", _sniff(data, "p.jpg"))
    found = clean.stripped["found"]
    assert found["gps"] == len(samples.GPS)
    assert found["camera"] is found["serial"] is found["owner"] is True
    assert found["xmp"] is True and found["iptc"] and found["comment"]
    text = json.dumps(clean.stripped)
    for marker in samples.EXIF_MARKERS:
        assert marker.decode() not in text
    assert "14" not in text.replace(str(found["exif"]), "") or found["exif"] == 14


def test_exif_orientation_is_applied_before_stripping() -> None:
    data = samples.jpeg_with_metadata(orientation=6, size=(320, 200))
    clean = media.clean_image(data, "p.jpg", _sniff(data, "p.jpg"))
    assert (clean.width, clean.height) == (200, 320)  # turned upright
    assert clean.stripped["rotated"] is True
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    got = Image.open(io.BytesIO(clean.data)).convert("RGB")
    assert got.size == expected.size
    # The red corner lands where a viewer honouring the tag would show it.
    for xy in ((expected.width - 5, 5), (5, expected.height - 5)):
        e, g = expected.getpixel(xy), got.getpixel(xy)
        assert all(abs(a - b) < 40 for a, b in zip(e, g, strict=True)), (xy, e, g)


def test_jpeg_quality_is_kept_close_to_the_original() -> None:
    data = samples.jpeg_with_metadata()
    clean = media.clean_image(data, "p.jpg", _sniff(data, "p.jpg"))
    before = Image.open(io.BytesIO(data)).convert("RGB")

    def distance(blob: bytes) -> int:
        after = Image.open(io.BytesIO(blob)).convert("RGB").tobytes()
        return sum(abs(a - b) for a, b in zip(before.tobytes(), after, strict=True))

    plain = io.BytesIO()
    before.save(plain, "JPEG")  # Pillow's default quality
    assert distance(clean.data) < 0.8 * distance(plain.getvalue())


def test_animated_gif_keeps_its_frames() -> None:
    data = samples.gif_with_comment(frames=3)
    clean = media.clean_image(data, "a.gif", _sniff(data, "a.gif"))
    assert Image.open(io.BytesIO(clean.data)).n_frames == 3
    assert clean.stripped["frames"] == 3


def test_heic_becomes_a_jpeg() -> None:
    data = samples.heic_with_metadata()
    clean = media.clean_image(data, "p.heic", _sniff(data, "p.heic"))
    assert clean.mime == "image/jpeg"
    assert clean.stripped["converted_from"] == "image/heic"
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"


def test_describe_stripped_in_both_languages() -> None:
    data = samples.jpeg_with_metadata()
    clean = media.clean_image(data, "p.jpg", _sniff(data, "p.jpg"))
    english = media.describe_stripped(clean.stripped)
    assert "location (GPS)" in english and "serial numbers" in english
    assert "Stored as it is" in media.describe_stripped(
        media.not_stripped(media.TYPES["wav"]))
    i18n.set_language("qps")
    try:
        assert media.describe_stripped(clean.stripped).startswith("⟦")
    finally:
        i18n.set_language("en")
