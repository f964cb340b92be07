"""Header values as text: RFC 2047 encoded words and raw 8-bit bytes.

The compat32 parser hands us header values as str with undecodable bytes
kept as surrogates; we decode only the headers Desk uses.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.utils import getaddresses, parseaddr

from channels.email import charsets

_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n[ \t]")
_MSGID = re.compile(r"<[^<>\s]+>")


def raw_text(value: str) -> str:
    """A value that may hold raw 8-bit bytes (as surrogates) decoded by guessing."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value  # already real text, no surrogates
    except UnicodeEncodeError:
        return charsets.guess(value.encode("utf-8", "surrogateescape"))


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        padded = text + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode(value: str | None) -> str:
    """A header value as text: encoded words decoded, adjacent ones joined.

    Adjacent words in one charset are joined as bytes before decoding, because
    some clients split a multi-byte character across two words.
    """
    if not value:
        return ""
    value = _FOLD.sub(" ", value)
    if "=?" not in value:
        return raw_text(value).strip()
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0
    for match in _WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and (not pending or _BETWEEN_WORDS.fullmatch(gap) is None):
            if pending:
                out.append(charsets.decode(b"".join(pending), pending_charset))
                pending = []
            out.append(raw_text(gap))
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        if pending and charset.lower() != pending_charset.lower():
            out.append(charsets.decode(b"".join(pending), pending_charset))
            pending = []
        pending_charset = charset
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pos = match.end()
    if pending:
        out.append(charsets.decode(b"".join(pending), pending_charset))
    out.append(raw_text(value[pos:]))
    return "".join(out).strip()


def address(value: str | None) -> tuple[str, str]:
    """(display name, address) of a From-like header."""
    name, addr = parseaddr(_FOLD.sub(" ", value or ""))
    return decode(name).strip().strip('"').strip(), raw_text(addr).strip()


def addresses(values: list[str]) -> tuple[str, ...]:
    """Every address in To/Cc-like headers, lower-cased."""
    return tuple(raw_text(addr).lower() for _name, addr in getaddresses(values) if "@" in addr)


def message_ids(value: str | None) -> tuple[str, ...]:
    """The `<id>` tokens of a Message-ID, In-Reply-To or References header."""
    return tuple(_MSGID.findall(raw_text(value or "")))
