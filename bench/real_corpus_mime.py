"""MIME pieces for bench/real_corpus.py, written as mail clients write them (LF line
ends here; the generator turns them into CRLF)."""

from __future__ import annotations

import base64
import quopri
import random


def b_words(text: str, charset: str) -> str:
    """RFC 2047 B encoded-words, folded, a few characters each as mail clients write them."""
    if text.isascii():
        return text
    words = [text[i:i + 12] for i in range(0, len(text), 12)]
    return "\n ".join(f"=?{charset}?B?{base64.b64encode(w.encode(charset)).decode()}?=" for w in words)


def address(name: str, addr: str, charset: str) -> str:
    return f'"{name}" <{addr}>' if name.isascii() else f"{b_words(name, charset)} <{addr}>"


def leaf(ctype: str, body: bytes, cte: str, *extra: str) -> bytes:
    head = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}", *extra]
    return "\n".join(head).encode() + b"\n\n" + body


def text_leaf(text: str, subtype: str, charset: str, cte: str) -> bytes:
    data = text.encode(charset)
    if cte == "base64":
        body = base64.encodebytes(data)
    elif cte == "quoted-printable":
        body = quopri.encodestring(data)
    else:
        body = data
    return leaf(f'text/{subtype}; charset="{charset}"', body, cte)


def multipart(rng: random.Random, subtype: str, parts: list[bytes], params: str = "") -> bytes:
    boundary = f"----=_NextPart_{rng.getrandbits(48):012X}.{rng.getrandbits(32):08X}"
    out = [f'Content-Type: multipart/{subtype};{params}\n boundary="{boundary}"'.encode(), b"",
           b"This is a multi-part message in MIME format.", b""]
    for part in parts:
        out += [b"--" + boundary.encode(), part]
    out += [b"--" + boundary.encode() + b"--", b""]
    return b"\n".join(out)


def file_part(name: str, ctype: str, data: bytes, charset: str, inline_cid: str = "") -> bytes:
    if name.isascii():
        params, disp = f'name="{name}"', f'filename="{name}"'
    elif charset in ("gbk", "gb2312"):  # Outlook/Foxmail: RFC 2047 inside quotes
        params = disp = f'name="{b_words(name, charset)}"'
        disp = disp.replace("name=", "filename=", 1)
    else:
        quoted = "".join(c if c.isascii() and c.isalnum() or c in "._-" else
                         "".join(f"%{b:02X}" for b in c.encode()) for c in name)
        params, disp = f"name*=UTF-8''{quoted}", f"filename*=UTF-8''{quoted}"
    extra = [f"Content-Disposition: {'inline' if inline_cid else 'attachment'};\n\t{disp}"]
    if inline_cid:
        extra.append(f"Content-ID: <{inline_cid}>")
    return leaf(f"{ctype};\n\t{params}", base64.encodebytes(data), "base64", *extra)
