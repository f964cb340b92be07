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

# An encoded word; some clients put spaces inside one (`=?UTF-8?Q? Personal=C3=A4nderung?=`),
# which RFC 2047 forbids but every mail reader accepts.
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n[ \t]")
_MSGID = re.compile(r"<[^<>\s]+>")


def raw_text(value: str, evidence: charsets.Evidence = charsets.NO_EVIDENCE) -> str:
    """A value that may hold raw 8-bit bytes (as surrogates) decoded by guessing."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value  # already real text, no surrogates
    except UnicodeEncodeError:
        return charsets.guess(value.encode("utf-8", "surrogateescape"), evidence)


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        text = "".join(text.split())
        padded = text + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode(value: str | None, evidence: charsets.Evidence = charsets.NO_EVIDENCE) -> str:
    """A header value as text: encoded words decoded, adjacent ones joined.

    Adjacent words in one charset are joined as bytes before decoding, because
    some clients split a multi-byte character across two words.
    """
    if not value:
        return ""
    value = _FOLD.sub(" ", value)
    if "=?" not in value:
        return raw_text(value, evidence).strip()
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0
    for match in _WORD.finditer(value):
        gap = value[pos : match.start()]
        if gap and (not pending or _BETWEEN_WORDS.fullmatch(gap) is None):
            if pending:
                out.append(charsets.decode(b"".join(pending), pending_charset, evidence))
                pending = []
            out.append(raw_text(gap, evidence))
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        if pending and charset.lower() != pending_charset.lower():
            out.append(charsets.decode(b"".join(pending), pending_charset, evidence))
            pending = []
        pending_charset = charset
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pos = match.end()
    if pending:
        out.append(charsets.decode(b"".join(pending), pending_charset, evidence))
    out.append(raw_text(value[pos:], evidence))
    return "".join(out).strip()


# The address inside the angle brackets of `display name <address>`: what SMTP servers and
# SPF/DKIM/DMARC checks read. Quoted strings in the display name may hold brackets.
_ANGLE_ADDR = re.compile(r'^(?P<name>(?:"(?:[^"\\]|\\.)*"|[^"<])*)<(?P<addr>[^<>]*)>\s*(?:\([^()]*\)\s*)?$')
# One mailbox: no spaces, controls, brackets, quotes or separators anywhere, one "@".
_MAILBOX = re.compile(r'^[^\s\x00-\x1f\x7f<>()\[\],;:"\\@]+@[^\s\x00-\x1f\x7f<>()\[\],;:"\\@]+$')


# Line breaks and other controls have no place in a name (they forge headers and log lines).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


_NAME_THEN_ADDRESS = re.compile(r'^(?P<name>[^<>@",;:()]+?)\s+(?P<addr>[^\s<>@",;:()]+@[^\s<>@",;:()]+)$')
# Inside angle brackets, a local part with spaces in it and a clean domain.
_ATOMS = r'[^\x00-\x1f\x7f<>()\[\],;:"\\@]'
_SPACED_LOCAL = re.compile(rf"^{_ATOMS}+ {_ATOMS}*@[^\s\x00-\x1f\x7f<>()\[\],;:\"\\\\@]+$")
_COMMENT = re.compile(r"\s*\([^()]*\)")


class AddressError(ValueError):
    """A From-like header without one plain mailbox in it."""


def address(value: str | None, evidence: charsets.Evidence = charsets.NO_EVIDENCE) -> tuple[str, str]:
    """(display name, address) of a From-like header, read as a standards-following parser
    (and the SPF/DKIM/DMARC checks upstream) reads it: the address is the one between the
    angle brackets, never text inside the display name (an encoded word there may spell
    somebody else's address), and must be a single plain mailbox. Raises AddressError."""
    text = _FOLD.sub(" ", value or "").strip()
    angle = _ANGLE_ADDR.match(text)
    bare = _NAME_THEN_ADDRESS.match(text)
    if angle is not None:
        name, addr = angle.group("name"), angle.group("addr").strip()
        if _SPACED_LOCAL.match(addr):
            # "<power quadrant system@example.com>": one address, though not a valid one.
            addr = " ".join(addr.split())
            return _display(name, evidence), raw_text(addr)
    elif bare is not None:  # "Test test@example.com": a name, then the one address
        name, addr = bare.group("name"), bare.group("addr")
    elif len(getaddresses([text])) > 1:
        raise AddressError(f"more than one address in {text[:200]!r}")
    else:
        name, addr = parseaddr(text)
    addr = raw_text(addr).strip()
    if not _MAILBOX.match(addr) or "=?" in addr:  # an encoded word is never an address
        raise AddressError(f"no single plain address in {text[:200]!r}")
    return _display(name, evidence), addr


def _display(name: str, evidence: charsets.Evidence) -> str:
    """The display name, decoded, without controls or a trailing RFC 5322 comment
    ("MAILER-DAEMON (Mail Delivery System)" is MAILER-DAEMON)."""
    shown = _CONTROLS.sub(" ", decode(name, evidence)).strip().strip('"').strip()
    plain = _COMMENT.sub("", shown).strip()
    return plain or shown.strip("()").strip()


def addresses(values: list[str]) -> tuple[str, ...]:
    """Every address in To/Cc-like headers, lower-cased."""
    return tuple(raw_text(addr).lower() for _name, addr in getaddresses(values) if "@" in addr)


def message_ids(value: str | None) -> tuple[str, ...]:
    """The `<id>` tokens of a Message-ID, In-Reply-To or References header."""
    return tuple(_MSGID.findall(raw_text(value or "")))
