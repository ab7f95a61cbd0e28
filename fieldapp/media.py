"""What a file really is, and a copy of an image that betrays nobody.

`sniff` reads the magic bytes and refuses a file whose name claims another type
(``MediaRejected(reason="mislabelled")``) or whose bytes are of no supported type
(``"unsupported"``). `clean_image` decodes an image fully (Pillow, with a pixel limit
against decompression bombs and truncated files refused), applies the EXIF orientation,
and re-encodes the pixels alone: EXIF, GPS, XMP, IPTC, maker notes, comments, embedded
thumbnails and colour profiles (converted to sRGB first) are gone. The summary it returns
says which kinds of metadata were there and how many tags, never their values.

Recordings and videos are cleaned by `fieldapp.recordings`, PDF documents by
`fieldapp.documents`; other documents are stored as they are, and their summary says so.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from struct import error as struct_error
from typing import Any, BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageSequence, IptcImagePlugin, features

from .errors import MediaRejected
from .i18n import N_, _

try:  # HEIC/HEIF (iPhone photos) need the libheif plugin; without it they are refused.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False

MAX_FILE_BYTES = 2 << 30          # any attachment
MAX_IMAGE_BYTES = 256 << 20       # an image is decoded in memory
MAX_PIXELS = 120_000_000          # about a 108-megapixel phone photo, all frames together
THUMBNAIL_SIZE = 256
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """A supported type: the label used in code, kind, MIME type, file name extensions."""

    label: str
    kind: str
    mime: str
    extensions: frozenset[str]
    family: str = ""
    pil_format: str = ""


def _t(label: str, kind: str, mime: str, exts: str, family: str = "",
       pil_format: str = "") -> FileType:
    return FileType(label, kind, mime, frozenset(exts.split()), family or label, pil_format)


TYPES: dict[str, FileType] = {t.label: t for t in (
    _t("jpeg", "image", "image/jpeg", ".jpg .jpeg .jpe .jfif", pil_format="JPEG"),
    _t("png", "image", "image/png", ".png", pil_format="PNG"),
    _t("gif", "image", "image/gif", ".gif", pil_format="GIF"),
    _t("webp", "image", "image/webp", ".webp", pil_format="WEBP"),
    _t("tiff", "image", "image/tiff", ".tif .tiff", pil_format="TIFF"),
    _t("heic", "image", "image/heic", ".heic .heif .hif", pil_format="HEIF"),
    _t("mp3", "audio", "audio/mpeg", ".mp3"),
    _t("ogg", "audio", "audio/ogg", ".ogg .oga .opus"),
    _t("wav", "audio", "audio/wav", ".wav"),
    _t("aac", "audio", "audio/aac", ".aac"),
    _t("amr", "audio", "audio/amr", ".amr"),
    # ISO media files: the brand is only a hint, so any name of the family is accepted.
    _t("m4a", "audio", "audio/mp4", ".m4a .m4b", family="isomedia"),
    _t("mp4", "video", "video/mp4", ".mp4 .m4v", family="isomedia"),
    _t("mov", "video", "video/quicktime", ".mov .qt", family="isomedia"),
    _t("3gp", "video", "video/3gpp", ".3gp .3g2 .3gpp", family="isomedia"),
    _t("webm", "video", "video/webm", ".webm .mkv", family="matroska"),
    _t("pdf", "document", "application/pdf", ".pdf"),
    _t("docx", "document",
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    _t("odt", "document", "application/vnd.oasis.opendocument.text", ".odt"),
    _t("txt", "document", "text/plain", ".txt .text"),
)}
KNOWN_EXTENSIONS = frozenset(e for t in TYPES.values() for e in t.extensions)

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
                b"heif"}
_UNSUPPORTED_BRANDS = {b"avif", b"avis", b"crx ", b"jp2 ", b"jpx "}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_QT_BRANDS = {b"qt  "}
_3GP_PREFIXES = (b"3gp", b"3g2", b"3ge", b"3gg")
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


# --- what a file is -------------------------------------------------------------------
def _sniff_isomedia(head: bytes) -> str | None:
    box = head[4:8]
    if box == b"ftyp":
        brands = {head[8:12]} | {head[i:i + 4] for i in range(16, min(len(head), 64), 4)}
        major = head[8:12]
        if major in _UNSUPPORTED_BRANDS:
            return None
        if major in _HEIF_BRANDS or (major not in {b"isom", b"mp41", b"mp42"}
                                     and brands & _HEIF_BRANDS):
            return "heic"
        if major in _AUDIO_BRANDS:
            return "m4a"
        if major in _QT_BRANDS:
            return "mov"
        if major.startswith(_3GP_PREFIXES):
            return "3gp"
        return "mp4"
    if box in _MOV_ATOMS:
        return "mov"
    return None


def _sniff_zip(fh: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).strip()
                if declared == TYPES["odt"].mime.encode():
                    return "odt"
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, KeyError):
        return None
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            text = head.decode("cp1252", errors="replace")
        else:
            text = head[:exc.start].decode("utf-8")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls <= len(text) // 100


def _sniff_head(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x03
        if layer == 0b01:
            return "mp3"
        if layer == 0b00 and head[1] & 0xF6 == 0xF0:
            return "aac"  # ADTS
    if len(head) >= 12:
        return _sniff_isomedia(head)
    return None


def sniff(fh: BinaryIO, name: str) -> FileType:
    """The real type of the open file ``fh`` (read from its start; position is restored to
    0). Refuses an empty file, a file of no supported type, and a mislabelled one."""
    fh.seek(0)
    head = fh.read(SNIFF_BYTES)
    fh.seek(0)
    if not head:
        raise MediaRejected(name=name, reason="empty")
    label = _sniff_head(head)
    if label is None and head.startswith(b"PK\x03\x04"):
        label = _sniff_zip(fh)
        fh.seek(0)
        if label is None:
            raise MediaRejected(name=name, reason="unsupported")
    ext = os.path.splitext(name)[1].lower()
    if label is None:
        if (not ext or ext in TYPES["txt"].extensions) and _looks_like_text(head):
            return TYPES["txt"]
        # Bytes of no known type: a known name is a false claim, any other is unsupported.
        reason = "mislabelled" if ext in KNOWN_EXTENSIONS else "unsupported"
        raise MediaRejected(name=name, reason=reason)
    ftype = TYPES[label]
    if ext and ext in KNOWN_EXTENSIONS and ext not in ftype.extensions:
        family = [t for t in TYPES.values() if t.family == ftype.family
                  and ext in t.extensions]
        if not family or ftype.family == ftype.label:
            raise MediaRejected(name=name, reason="mislabelled")
        ftype = family[0]  # e.g. an .m4a whose brand says "isom": trust the name's kind
    if ftype.label == "heic" and not HEIF_SUPPORTED:  # pragma: no cover
        raise MediaRejected(name=name, reason="unsupported")
    return ftype


# --- images ---------------------------------------------------------------------------
_CAMERA_TAGS = {0x010F, 0x0110, 0xA433, 0xA434}            # Make, Model, LensMake/Model
_SERIAL_TAGS = {0xA431, 0xA435}                            # body and lens serial
_OWNER_TAGS = {0xA430, 0x013B, 0x8298}                     # owner name, Artist, Copyright
_DATE_TAGS = {0x0132, 0x9003, 0x9004}
_SOFTWARE_TAGS = {0x0131, 0x000B}                          # Software, ProcessingSoftware
_STRUCTURAL_TIFF_TAGS = set(range(0x00FE, 0x0130)) | {0x0140, 0x0141, 0x0142, 0x0143, 0x0144,
                                                      0x0145, 0x0152, 0x0153, 0x0154, 0x0155,
                                                      0x0156, 0x0157, 0x0158, 0x0159, 0x015B,
                                                      0x0211, 0x0212, 0x0213, 0x0214}
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
_OUTPUT = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "tiff": "TIFF",
           "heic": "JPEG"}


@dataclass
class CleanImage:
    """The stored copy of an image: bytes, type, size, thumbnail, what was removed."""

    data: bytes
    mime: str
    width: int
    height: int
    thumbnail: bytes | None
    stripped: dict[str, Any] = field(default_factory=dict)


def _metadata_found(img: Image.Image, data: bytes) -> dict[str, Any]:
    """Which kinds of metadata the original holds, with tag counts; never a value."""
    found: dict[str, Any] = {}
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block still counts as present
        exif = None
        found["exif"] = True
    if exif:
        tags = {k for k in exif if img.format != "TIFF" or k not in _STRUCTURAL_TIFF_TAGS}
        sub = dict(exif.get_ifd(ExifTags.IFD.Exif))
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        tags.discard(ExifTags.IFD.Exif)
        tags.discard(ExifTags.IFD.GPSInfo)
        all_tags = tags | set(sub)
        if all_tags or gps:
            found["exif"] = len(all_tags) + len(gps)
        if gps:
            found["gps"] = len(gps)
        for key, group in (("camera", _CAMERA_TAGS), ("serial", _SERIAL_TAGS),
                           ("owner", _OWNER_TAGS), ("dates", _DATE_TAGS),
                           ("software", _SOFTWARE_TAGS)):
            if all_tags & group:
                found[key] = True
        if 0x927C in sub:
            found["maker_notes"] = True
        try:
            if exif.get_ifd(ExifTags.IFD.IFD1):
                found["embedded_thumbnail"] = True
        except Exception:  # noqa: BLE001, S110 - only a count for the summary
            pass
    if img.info.get("xmp") or b"<x:xmpmeta" in data or b"http://ns.adobe.com/xap/1.0/" in data:
        found["xmp"] = True
    try:
        iptc = IptcImagePlugin.getiptcinfo(img)
    except Exception:  # noqa: BLE001
        iptc = None
    if iptc or b"Photoshop 3.0\x008BIM" in data:
        found["iptc"] = len(iptc) if iptc else True
    if img.info.get("icc_profile"):
        found["icc"] = True
    comments = 0
    if img.info.get("comment"):
        comments += 1
    text_chunks = getattr(img, "text", None) if img.format == "PNG" else None
    if text_chunks:
        comments += len([k for k in text_chunks if k != "XML:com.adobe.xmp"])
    if comments:
        found["comment"] = comments
    applist = getattr(img, "applist", None) or []
    known = (b"JFIF", b"Exif", b"http://ns.adobe.com", b"ICC_PROFILE", b"Photoshop", b"Adobe")
    other = [m for m, body in applist if m.startswith("APP") and not body.startswith(known)]
    if other:
        found["other"] = len(other)
    return found


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK") or not features.check("littlecms2"):
        return img
    out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"),
                                         outputMode=out_mode) or img
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img


def _pixels_only(frame: Image.Image) -> Image.Image:
    """A new image holding only ``frame``'s pixels (and palette): no info, no EXIF."""
    if frame.mode == "P":
        if "transparency" in frame.info:
            frame = frame.convert("RGBA")
        else:
            clean = Image.frombytes("P", frame.size, frame.tobytes())
            clean.putpalette(frame.getpalette() or [])
            return clean
    if frame.mode in ("L", "RGB") and "transparency" in frame.info:
        frame = frame.convert("LA" if frame.mode == "L" else "RGBA")
    if frame.mode in ("PA", "La", "RGBa", "RGBX", "YCbCr", "LAB", "HSV"):
        frame = frame.convert("RGBA" if "A" in frame.mode or "a" in frame.mode else "RGB")
    return Image.frombytes(frame.mode, frame.size, frame.tobytes())


def _thumbnail(img: Image.Image) -> bytes | None:
    try:
        return _make_thumbnail(img)
    except (OSError, ValueError):
        return None  # an unusual pixel format: the attachment is fine without a preview


def _make_thumbnail(img: Image.Image) -> bytes:
    thumb = img.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, (255, 255, 255))
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    clean = Image.frombytes("RGB", thumb.size, thumb.tobytes())
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=80, optimize=True)
    return buf.getvalue()


def _save_options(label: str, original: Image.Image, frame: Image.Image,
                  data: bytes) -> tuple[Image.Image, dict[str, Any]]:
    fmt = _OUTPUT[label]
    if fmt == "JPEG":
        if frame.mode not in ("L", "RGB", "CMYK"):
            frame = frame.convert("RGB")
        options: dict[str, Any] = {"quality": 92}
        quant = getattr(original, "quantization", None)
        if label == "jpeg" and quant and frame.mode == original.mode:
            from PIL import JpegImagePlugin

            options = {"qtables": quant,
                       "subsampling": JpegImagePlugin.get_sampling(original)}
        return frame, options
    if fmt == "WEBP":
        lossless = data[12:16] == b"VP8L"
        return frame, ({"lossless": True} if lossless else {"quality": 95})
    if fmt == "TIFF":
        return frame, {"compression": "tiff_deflate"}
    if fmt == "PNG":
        return frame, {"compress_level": 6}
    return frame, {}


def clean_image(data: bytes, name: str, ftype: FileType, *,
                max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Decode ``data`` fully and re-encode its pixels alone (see the module docstring).

    Refuses decompression bombs (more than ``max_pixels`` pixels, all frames together)
    and truncated or undecodable files with `MediaRejected`.
    """
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _clean(data, name, ftype, max_pixels)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise MediaRejected(name=name, reason="decompression bomb") from None
        except MemoryError:
            raise MediaRejected(name=name, reason="decompression bomb") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError,
                TypeError, struct_error, Image.UnidentifiedImageError):
            raise MediaRejected(name=name, reason="truncated") from None
        finally:
            Image.MAX_IMAGE_PIXELS = previous_limit


def _clean(data: bytes, name: str, ftype: FileType, max_pixels: int) -> CleanImage:
    img = Image.open(io.BytesIO(data), formats=[ftype.pil_format])
    frames = getattr(img, "n_frames", 1) or 1
    if img.width * img.height * frames > max_pixels:
        raise MediaRejected(name=name, reason="decompression bomb")
    found = _metadata_found(img, data)
    orientation = 1
    try:
        orientation = int(img.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001
        orientation = 1
    icc = img.info.get("icc_profile")
    clean_frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(img):
        frame.load()
        durations.append(int(frame.info.get("duration", 0) or 0))
        pixels = _to_srgb(frame, icc)
        if orientation in _TRANSPOSE:
            pixels = pixels.transpose(_TRANSPOSE[orientation])
        clean_frames.append(_pixels_only(pixels))
    loop = img.info.get("loop", 0)
    first, options = _save_options(ftype.label, img, clean_frames[0], data)
    fmt = _OUTPUT[ftype.label]
    if len(clean_frames) > 1 and fmt in ("GIF", "WEBP", "PNG", "TIFF"):
        # Pillow decodes later GIF frames as RGB(A): one mode for all, quantised on save.
        first = first.convert("RGBA")
        rest = [f.convert("RGBA") for f in clean_frames[1:]]
        options.update(save_all=True, append_images=rest)
        if fmt in ("GIF", "WEBP", "PNG"):
            options.update(duration=durations, loop=int(loop))
    buf = io.BytesIO()
    first.save(buf, fmt, **options)
    stripped: dict[str, Any] = {"removed": True, "found": found}
    if orientation in _TRANSPOSE:
        stripped["rotated"] = True
    if icc and first.mode in ("RGB", "RGBA"):
        stripped["converted_to_srgb"] = True
    if ftype.label == "heic":
        stripped["converted_from"] = ftype.mime
    if len(clean_frames) > 1:
        stripped["frames"] = len(clean_frames)
        if fmt == "JPEG":
            stripped["frames_dropped"] = len(clean_frames) - 1
    mime = TYPES["jpeg"].mime if fmt == "JPEG" else ftype.mime
    return CleanImage(buf.getvalue(), mime, first.width, first.height,
                      _thumbnail(clean_frames[0]), stripped)


def not_stripped(ftype: FileType) -> dict[str, Any]:
    """The summary for a kind stored as it is (audio, video, documents)."""
    return {"removed": False, "kind": ftype.kind}


# --- naming what was found -------------------------------------------------------------
_KINDS = (
    ("gps", ("location", "gps", "iso6709", "xyz", "coordinates", "latitude", "longitude")),
    ("xmp", ("xmp",)),
    ("device", ("make", "model", "manufacturer", "camera", "device", "lens", "serial")),
    ("owner", ("artist", "author", "composer", "copyright", "performer", "publisher",
               "encoded_by", "creator", "owner", "originator")),
    ("dates", ("date", "time", "year")),
    ("software", ("encoder", "software", "tool", "writing", "version", "application",
                  "producer")),
    ("comment", ("comment", "description", "synopsis", "note", "lyrics")),
    ("title", ("title", "album", "subject", "keyword", "genre", "show", "episode",
               "name")),
)


def metadata_kind(key: str) -> str:
    """The kind of a metadata key of a recording or document ("location-eng" → "gps",
    "Author" → "owner"…; "tags" when it says nothing more), for the summary."""
    low = key.lower()
    return next((kind for kind, words in _KINDS if any(w in low for w in words)), "tags")


# --- telling the user -----------------------------------------------------------------
_FOUND_NAMES = {
    "gps": N_("location (GPS)"),
    "camera": N_("camera make and model"),
    "device": N_("device make and model"),
    "serial": N_("serial numbers"),
    "owner": N_("owner or author name"),
    "dates": N_("dates"),
    "software": N_("software"),
    "maker_notes": N_("maker notes"),
    "embedded_thumbnail": N_("embedded preview"),
    "exif": N_("other EXIF tags"),
    "xmp": N_("XMP"),
    "iptc": N_("IPTC"),
    "icc": N_("colour profile"),
    "comment": N_("comments"),
    "title": N_("titles and descriptions"),
    "tags": N_("other tags"),
    "pictures": N_("embedded pictures"),
    "photo_details": N_("hidden details of embedded photos"),
    "tracks": N_("subtitle and data tracks"),
    "chapters": N_("chapters"),
    "other": N_("other hidden blocks"),
}


def describe_stripped(stripped: dict[str, Any]) -> str:
    """One translated line saying what was removed from the stored copy (or that nothing
    was, for kinds stored as they are, and why)."""
    from babel.lists import format_list

    from .i18n import current_language

    kind = stripped.get("kind", "image")
    if not stripped.get("removed"):
        reason = stripped.get("reason")
        if reason == "no tool":
            return _("Stored as it is: the tool that removes hidden details from recordings "
                     "and videos is missing on this computer, so details such as the "
                     "recording device or place were not removed.")
        if reason == "not rebuilt":
            return _("Stored as it is: this file could not be rewritten without its hidden "
                     "details (such as the recording device or place).")
        if kind == "document":
            return _("Stored as it is: a document may still hold its author's name or other "
                     "hidden details.")
        return _("Stored as it is: hidden details in this file (such as the recording "
                 "device or place) were not removed.")
    found = stripped.get("found") or {}
    items = [_(text) for key, text in _FOUND_NAMES.items() if found.get(key)]
    if items:
        lang = "fr" if current_language() == "fr" else "en"
        line = _("Removed from the stored copy: {items}.").format(
            items=format_list(items, locale=lang))
    elif kind == "image":
        line = _("No hidden details were found; the image was re-encoded anyway.")
    else:
        line = _("No hidden details were found; the file was rewritten anyway.")
    if (stripped.get("kept") or {}).get("embedded_files"):
        line += " " + _("Files embedded in it were kept as they are and may hold hidden "
                        "details of their own.")
    return line
