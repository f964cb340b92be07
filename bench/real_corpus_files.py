"""Attachment files for bench/real_corpus.py: PDF, JPEG, PNG, .docx and .xlsx with real
structure (magic bytes, chunks with right CRCs, zip containers) around pseudo-random,
incompressible payloads, so their sizes are what mail really carries."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from bench.real_corpus_text import SENTENCES

FILE_KINDS = (("pdf", 35), ("jpeg", 20), ("png", 15), ("docx", 18), ("xlsx", 12))
MIN_SIZE, MAX_SIZE, MEDIAN = 50_000, 5_000_000, 200_000


def pdf(rng: random.Random, size: int) -> bytes:
    body = rng.randbytes(max(size - 700, 100))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(body)
            + body + b"\nendstream",
            b"<< /Length 35 >>\nstream\nq 612 0 0 792 0 0 cm /Im0 Do Q\nendstream"]
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def png(rng: random.Random, size: int) -> bytes:
    width = 256
    rows = max(size // (width * 3 + 1), 1)
    noise = rng.randbytes(rows * width * 3)
    step = width * 3
    scan = b"".join(b"\x00" + noise[i:i + step] for i in range(0, len(noise), step))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, rows, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(scan, 0)) + chunk(b"IEND", b""))


def jpeg(rng: random.Random, size: int) -> bytes:
    head = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
            b"\xff\xdb\x00\x43\x00" + bytes(range(1, 65))
            + b"\xff\xc0\x00\x11\x08\x07\x80\x0a\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
            b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
    scan = rng.randbytes(max(size - len(head) - 2, 100)).replace(b"\xff", b"\xff\x00")
    return head + scan + b"\xff\xd9"


def _zip(parts: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, method in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


_OOXML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" '
          'ContentType="image/png"/><Override PartName="/{main}" ContentType="{ctype}"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
         'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main}"/>'
         '</Relationships>')


def office(rng: random.Random, size: int, kind: str) -> bytes:
    if kind == "docx":
        main = "word/document.xml"
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        text = "".join(f"<w:p><w:r><w:t>{s}</w:t></w:r></w:p>" for s in rng.sample(SENTENCES["en"], 4))
        doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://'
               f'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{text}</w:body></w:document>')
        media = "word/media/image1.png"
    else:
        main = "xl/workbook.xml"
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
               'openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/>'
               '</sheets></workbook>')
        media = "xl/media/image1.png"
    types = _OOXML.format(main=main, ctype=ctype).encode()
    return _zip([("[Content_Types].xml", types, zipfile.ZIP_DEFLATED),
                 ("_rels/.rels", _RELS.format(main=main).encode(), zipfile.ZIP_DEFLATED),
                 (main, doc.encode(), zipfile.ZIP_DEFLATED),
                 (media, png(rng, max(size - 1500, 1000)), zipfile.ZIP_STORED)])


CTYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXT = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "docx": ".docx", "xlsx": ".xlsx"}


def attachment_size(rng: random.Random) -> int:
    return int(min(max(rng.lognormvariate(0, 1.0) * MEDIAN, MIN_SIZE), MAX_SIZE))


def make_file(rng: random.Random, kind: str, size: int) -> bytes:
    if kind == "pdf":
        return pdf(rng, size)
    if kind == "png":
        return png(rng, size)
    if kind == "jpeg":
        return jpeg(rng, size)
    return office(rng, size, kind)
