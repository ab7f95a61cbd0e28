"""Test files made at test time: photos full of metadata markers, audio, documents."""

from __future__ import annotations

import io
import random
import struct
import wave
import zipfile
import zlib

from PIL import ExifTags, Image, PngImagePlugin

MAKE = "MKMAKE-Canon7731"
MODEL = "MKMODEL-EOS-X9"
SERIAL = "MKSERIAL-004271"
OWNER = "MKOWNER-Fictional"
LENS_SERIAL = "MKLENS-889"
SOFTWARE = "MKSOFT-Firmware-1.2"
XMP_MARKER = "MKXMP-creator-Invented"
IPTC_MARKER = b"MKIPTC-byline-Invented"
COMMENT = "MKCOMMENT-taken-at-checkpoint"
GPS = {1: "N", 2: (14.0, 29.0, 52.5), 3: "W", 4: (4.0, 11.0, 44.2), 5: 0, 6: 268.0}
EXIF_MARKERS = [m.encode() for m in (MAKE, MODEL, SERIAL, OWNER, LENS_SERIAL, SOFTWARE,
                                    XMP_MARKER, COMMENT)] + [IPTC_MARKER]
XMP = (f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{XMP_MARKER}</dc:creator>'
       f'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


def picture(width: int = 320, height: int = 200, mode: str = "RGB",
            seed: int = 7) -> Image.Image:
    """A noisy picture (so JPEG needs real data) with a red top-left corner."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height),
                          bytes(rng.randrange(256) for _ in range(width * height * 3)))
    img.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    return img.convert(mode) if mode != "RGB" else img


def exif(orientation: int = 1) -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = MAKE
    data[0x0110] = MODEL
    data[0x0131] = SOFTWARE
    data[0x013B] = OWNER
    data[0x0132] = "2025:06:18 07:42:00"
    if orientation != 1:
        data[0x0112] = orientation
    sub = data.get_ifd(ExifTags.IFD.Exif)
    sub[0xA431] = SERIAL
    sub[0xA435] = LENS_SERIAL
    sub[0xA430] = OWNER
    sub[0x9003] = "2025:06:18 07:42:00"
    data.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return data


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def iptc_segment() -> bytes:
    """An APP13 Photoshop block holding an IPTC by-line (2:80)."""
    record = b"\x1c\x02\x50" + struct.pack(">H", len(IPTC_MARKER)) + IPTC_MARKER
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record))
    resource += record + (b"\x00" if len(record) % 2 else b"")
    return _segment(0xED, b"Photoshop 3.0\x00" + resource)


def jpeg_with_metadata(orientation: int = 1, size: tuple[int, int] = (320, 200)) -> bytes:
    """A JPEG with EXIF (camera, serials, owner, dates, GPS), XMP, IPTC and a comment."""
    buf = io.BytesIO()
    picture(*size).save(buf, "JPEG", quality=90, exif=exif(orientation), xmp=XMP,
                        comment=COMMENT.encode(), icc_profile=None)
    data = buf.getvalue()
    return data[:2] + iptc_segment() + data[2:]  # right after SOI


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buf = io.BytesIO()
    picture(120, 80, "RGBA").save(buf, "PNG", pnginfo=info, exif=exif())
    return buf.getvalue()


def webp_with_metadata() -> bytes:
    buf = io.BytesIO()
    picture(120, 80).save(buf, "WEBP", exif=exif(), xmp=XMP, quality=80)
    return buf.getvalue()


def gif_with_comment(frames: int = 3) -> bytes:
    images = [picture(60, 40, seed=i).quantize(64) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=100,
                   loop=0, comment=COMMENT.encode())
    return buf.getvalue()


def tiff_with_metadata() -> bytes:
    buf = io.BytesIO()
    picture(80, 60).save(buf, "TIFF", exif=exif())
    return buf.getvalue()


def heic_with_metadata() -> bytes:
    import pillow_heif  # noqa: F401 - registers the HEIF plugin

    buf = io.BytesIO()
    picture(128, 96).save(buf, "HEIF", exif=exif().tobytes(), xmp=XMP, quality=80)
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def truncated_jpeg() -> bytes:
    buf = io.BytesIO()
    picture(400, 300).save(buf, "JPEG", quality=95)
    data = buf.getvalue()
    return data[: len(data) // 2]


def pdf(marker: str = "MKPDF-content") -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
            + f"% {marker}\n".encode() + b"trailer << /Root 1 0 R >>\n%%EOF\n")


def wav(seconds: float = 0.5) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(random.Random(3).randrange(256)
                              for _ in range(int(8000 * seconds) * 2)))
    return buf.getvalue()


def txt_lines(size: int) -> bytes:
    """About ``size`` bytes of plain text (stored as it is: one pass, one progress bar)."""
    line = "Témoignage recueilli à Sévaré, ligne {n:06d}.\n"
    out = "".join(line.format(n=n) for n in range(size // len(line) + 1))
    return out.encode()[:size].rsplit(b"\n", 1)[0] + b"\n"


def mp3() -> bytes:
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * 4


def ogg_opus() -> bytes:
    return b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x01" + bytes(40)


def m4a() -> bytes:
    return struct.pack(">I", 24) + b"ftypM4A \x00\x00\x00\x00M4A isom" + bytes(64)


def mp4() -> bytes:
    return struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)


def amr() -> bytes:
    return b"#!AMR\n" + bytes(64)


def docx(marker: str = "MKDOCX-content") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document>{marker}</w:document>")
        z.writestr("docProps/core.xml", "<cp:coreProperties/>")
    return buf.getvalue()


def odt(marker: str = "MKODT-content") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", f"<office:document-content>{marker}"
                                  "</office:document-content>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()
