"""PDF documents made at test time (pikepdf), full of invented metadata markers."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from . import samples

AUTHOR = "MKPDFAUTHOR-Moussa-Invented"
OLD_AUTHOR = "MKPDFOLDAUTHOR-first-revision"
TITLE = "MKPDFTITLE-list-of-detainees"
CREATOR = "MKPDFCREATOR-Office-Invented"
GPS = "MKPDFGPS-14.4900N-4.1900W"
XMP_CREATOR = "MKPDFXMP-creator-Invented"
PAGE_XMP = "MKPDFPAGEXMP-scanner-serial"
PIECE = "MKPDFPIECE-private-app-data"
COMMENT_AUTHOR = "MKPDFCOMMENTER-Fatoumata-Invented"
EMBEDDED = "MKPDFEMBEDDED-attached-notes"
BODY = "MKPDFBODY"  # visible text on the pages: it must stay

#: Markers that must be gone from a cleaned copy.
MARKERS = [m.encode() for m in (AUTHOR, OLD_AUTHOR, TITLE, CREATOR, GPS, XMP_CREATOR,
                                PAGE_XMP, PIECE, COMMENT_AUTHOR)] + samples.EXIF_MARKERS


def _xmp(text: str) -> bytes:
    return (f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:exif="http://ns.adobe.com/exif/1.0/"><dc:creator><rdf:Seq><rdf:li>'
            f'{text}</rdf:li></rdf:Seq></dc:creator><exif:GPSLatitude>14,29.4N'
            f'</exif:GPSLatitude></rdf:Description></rdf:RDF></x:xmpmeta>'
            f'<?xpacket end="w"?>').encode()


def _page(pdf: pikepdf.Pdf, number: int, image: pikepdf.Stream | None) -> pikepdf.Page:
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                        BaseFont=Name.Helvetica))
    draw = f"BT /F1 18 Tf 72 720 Td ({BODY}-{number}) Tj ET\n"
    resources = Dictionary(Font=Dictionary(F1=font))
    if image is not None:
        draw += "q 64 0 0 48 72 600 cm /Im1 Do Q\n"
        resources.XObject = Dictionary(Im1=image)
    page = pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 612, 792]),
                                   Resources=resources,
                                   Contents=pdf.make_stream(draw.encode())))
    return page


def pdf_with_metadata(folder: Path, pages: int = 3, name: str = "report.pdf") -> Path:
    """A PDF with Info (author, title, creator, dates, a custom GPS key), XMP for the
    document and a page, PieceInfo, a comment with its author, a JPEG picture carrying
    its own EXIF/GPS, and an earlier revision (exiftool's incremental update) naming
    another author."""
    pdf = pikepdf.new()
    jpeg = samples.jpeg_with_metadata(size=(64, 48))
    image = pdf.make_stream(jpeg, Type=Name.XObject, Subtype=Name.Image, Width=64,
                            Height=48, ColorSpace=Name.DeviceRGB, BitsPerComponent=8,
                            Filter=Name.DCTDecode)
    for number in range(pages):
        pdf.pages.append(_page(pdf, number + 1, image if number == 0 else None))
    first = pdf.pages[0].obj
    first.Metadata = pdf.make_stream(_xmp(PAGE_XMP), Type=Name.Metadata, Subtype=Name.XML)
    first.PieceInfo = Dictionary(Illustrator=Dictionary(Private=String(PIECE)))
    first.LastModified = String("D:20250618074200Z")
    comment = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Text, Rect=Array([100, 500, 120, 520]),
        Contents=String("see page 2"), T=String(COMMENT_AUTHOR),
        M=String("D:20250618074200Z")))
    first.Annots = Array([comment])
    pdf.Root.Metadata = pdf.make_stream(_xmp(XMP_CREATOR), Type=Name.Metadata,
                                        Subtype=Name.XML)
    pdf.docinfo = pdf.make_indirect(Dictionary(
        Author=String(OLD_AUTHOR), Title=String(TITLE), Creator=String(CREATOR),
        Producer=String(CREATOR), CreationDate=String("D:20250618074200Z"),
        ModDate=String("D:20250618074200Z"), GPSPosition=String(GPS)))
    out = folder / name
    pdf.save(out, compress_streams=False)
    # exiftool edits a PDF by appending a revision: the old Author stays in the bytes.
    proc = subprocess.run(["exiftool", "-q", "-overwrite_original", f"-PDF:Author={AUTHOR}",
                           str(out)], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert OLD_AUTHOR.encode() in out.read_bytes()
    return out


def pdf_with_embedded_file(folder: Path) -> Path:
    """A plain PDF carrying an embedded file (which is kept, with a warning)."""
    pdf = pikepdf.new()
    pdf.pages.append(_page(pdf, 1, None))
    spec = pikepdf.AttachedFileSpec(pdf, EMBEDDED.encode(), filename="notes.txt")
    pdf.attachments["notes.txt"] = spec
    out = folder / "with-attachment.pdf"
    pdf.save(out)
    return out


def encrypted_pdf(folder: Path, user: str = "secret") -> Path:
    """A PDF that needs the password ``user`` to open ("" = opens without one)."""
    pdf = pikepdf.new()
    pdf.pages.append(_page(pdf, 1, None))
    pdf.docinfo = pdf.make_indirect(Dictionary(Author=String(AUTHOR)))
    out = folder / ("locked.pdf" if user else "restricted.pdf")
    pdf.save(out, encryption=pikepdf.Encryption(user=user, owner="owner-secret-1",
                                                 allow=pikepdf.Permissions(extract=False)))
    return out


def big_pdf(size: int, parts: int = 1) -> bytes:
    """A one-page PDF holding about ``size`` bytes of incompressible data in ``parts``
    streams (for sync tests: a real PDF that stays as big once cleaned)."""
    import os

    pdf = pikepdf.new()
    pdf.pages.append(_page(pdf, 1, None))
    pdf.Root.Payload = Array([pdf.make_stream(os.urandom(size // parts))
                              for _ in range(parts)])
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False)
    return buf.getvalue()


def page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
