"""PDF documents without their hidden details (pikepdf, on qpdf).

Removed from the stored copy: the document information dictionary (Author, Creator,
Producer, Title, Subject, Keywords, dates, any custom key), every XMP metadata stream (of
the document, pages, pictures, fonts), ``PieceInfo`` (private data of the program that
made the file), pages' ``LastModified`` dates, the authors and dates of comments
(annotations other than form fields), the EXIF/XMP/IPTC blocks and comments of JPEG
pictures inside (their compressed pixels are untouched), and the file identifier (a new
one is computed from the content). qpdf writes only the objects the document still uses,
so earlier revisions (an "incremental update" keeps the old Author after an edit) are
gone too. An encryption that opens without a password is dropped: the copy is stored
encrypted anyway.

Kept, and said in the summary: embedded files, which may hold hidden details of their own.
Refused: a PDF that needs a password to open, and one qpdf cannot read.

The copy is written straight into an encrypted file (`filecipher.SealingWriter`): no
plaintext copy touches the disk; pictures are handled one at a time in memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO

import pikepdf

from .errors import MediaRejected
from .media import metadata_kind

Progress = Callable[[int, int], None]
_KEEP_APP = {0xE0, 0xE2, 0xEE}        # JFIF, ICC colour profile, Adobe (colour transform)
_DATE_KEYS = {"/CreationDate", "/ModDate"}
_SOFTWARE_KEYS = {"/Creator", "/Producer"}


class _Sink(io.RawIOBase):
    """What pikepdf writes to: forwards every byte to ``write`` (never seeks)."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        super().__init__()
        self._write = write

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self._write(view)
        return len(view)


def strip_jpeg(data: bytes) -> bytes | None:
    """``data`` (a JPEG) without its APPn blocks other than JFIF, ICC and Adobe and
    without comments; None when there is nothing to remove or it is not a plain JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(b"\xff\xd8")
    pos, removed = 2, 0
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:                       # fill byte
            pos += 1
            continue
        if marker in (0xDA, 0xD9):               # start of scan: the rest is picture
            out += data[pos:]
            return bytes(out) if removed else None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            return None
        if (0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == 0xFE:
            removed += 1
        else:
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return None


def _is_dct(stream: pikepdf.Stream) -> bool:
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        return len(filters) == 1 and filters[0] == pikepdf.Name.DCTDecode
    return filters == pikepdf.Name.DCTDecode


def _count(found: dict[str, int], kind: str, n: int = 1) -> None:
    found[kind] = found.get(kind, 0) + n


def _strip_info(pdf: pikepdf.Pdf, found: dict[str, int]) -> None:
    info = pdf.trailer.get("/Info")
    if isinstance(info, pikepdf.Dictionary):
        for key in info.keys():
            if key in _DATE_KEYS:
                kind = "dates"
            elif key in _SOFTWARE_KEYS:
                kind = "software"
            elif key == "/Trapped":
                continue
            else:
                kind = metadata_kind(key.lstrip("/"))
            _count(found, kind)
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]


def _strip_objects(pdf: pikepdf.Pdf, found: dict[str, int], kept: dict[str, int]) -> None:
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        if "/Metadata" in obj:
            del obj["/Metadata"]
            _count(found, "xmp")
        if "/PieceInfo" in obj:
            del obj["/PieceInfo"]
            _count(found, "other")
        if "/LastModified" in obj:
            del obj["/LastModified"]
            _count(found, "dates")
        if obj.get("/Type") == pikepdf.Name.EmbeddedFile:
            _count(kept, "embedded_files")
        if (isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
                and _is_dct(obj)):
            clean = strip_jpeg(obj.read_raw_bytes())
            if clean is not None:
                obj.write(clean, filter=obj.Filter, decode_parms=obj.get("/DecodeParms"))
                _count(found, "photo_details")


def _strip_comments(pdf: pikepdf.Pdf, found: dict[str, int]) -> None:
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary) \
                    or annot.get("/Subtype") == pikepdf.Name.Widget:
                continue  # a form field's /T is its name, not an author
            for key, kind in (("/T", "owner"), ("/M", "dates"), ("/CreationDate", "dates")):
                if key in annot:
                    del annot[key]
                    _count(found, kind)


def clean_pdf(source: BinaryIO, name: str, write: Callable[[bytes], object], *,
              progress: Progress | None = None, size: int = 0) -> dict[str, Any]:
    """Write a copy of the PDF open as ``source`` without its hidden details, pushing its
    bytes to ``write``; returns the summary (kinds found, never values). Raises
    `MediaRejected` ("encrypted": needs a password; "truncated": unreadable)."""
    source.seek(0)
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError:
        raise MediaRejected(name=name, reason="encrypted") from None
    except (pikepdf.PdfError, ValueError, OSError, RuntimeError):
        raise MediaRejected(name=name, reason="truncated") from None
    found: dict[str, int] = {}
    kept: dict[str, int] = {}
    with pdf:
        try:
            pages = len(pdf.pages)
            _strip_info(pdf, found)
            _strip_objects(pdf, found, kept)
            _strip_comments(pdf, found)
            report = None
            if progress is not None:
                def report(percent: int) -> None:
                    progress(size * percent // 100, size)
            pdf.save(_Sink(write), deterministic_id=True, encryption=False,
                     preserve_pdfa=False, fix_metadata_version=False,
                     stream_decode_level=pikepdf.StreamDecodeLevel.none,
                     progress=report)
        except (pikepdf.PdfError, ValueError, KeyError, TypeError, RuntimeError):
            raise MediaRejected(name=name, reason="truncated") from None
    stripped: dict[str, Any] = {"removed": True, "kind": "document", "found": found,
                                "pages": pages}
    if kept:
        stripped["kept"] = kept
    return stripped
