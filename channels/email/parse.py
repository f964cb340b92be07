"""Raw mail bytes -> InboundMessage.

Parsed with the compat32 policy (about five times cheaper than policy.default)
and decoding only the headers Desk uses; charsets are distrusted
(`channels.email.charsets`). Mail we cannot make sense of raises ParseError,
so the caller can quarantine it with its bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.errors import MessageError
from email.message import Message
from email.policy import compat32

from channels.email import charsets, headers, markup, quotes
from channels.email.report import delivery_report
from channels.message import (
    DeliveryReport,
    EmailPart,
    Identity,
    InboundAttachment,
    InboundMessage,
    ThreadKeys,
)

# Headers the filters and ingest read, kept decoded in InboundMessage.headers.
KEPT_HEADERS = (
    "auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence",
    "x-precedence", "list-id", "list-unsubscribe", "x-failed-recipients", "return-path",
    "content-type", "x-loop", "delivered-to", "to", "cc", "reply-to", "date", "x-mailer",
)  # fmt: skip
_SIGNATURES = frozenset(
    ("application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature")
)
_CJK = re.compile(r"[\u3400-\u9fff]")


class ParseError(ValueError):
    """The bytes are not a mail Desk can read; the message says why."""


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    report: DeliveryReport | None = None


def parse(raw: bytes) -> InboundMessage:
    """The InboundMessage (channel "email") of one raw mail; ParseError if unreadable."""
    if not isinstance(raw, bytes | bytearray):
        raise ParseError(f"expected bytes, got {type(raw).__name__}")
    if not raw.strip():
        raise ParseError("empty message")
    try:
        msg = message_from_bytes(bytes(raw), policy=compat32)
        return _message(msg)
    except (MessageError, LookupError, IndexError, TypeError, UnicodeError) as exc:
        raise ParseError(f"unreadable MIME structure: {exc!r}") from exc


def _raw_headers(part: Message) -> dict[str, str]:
    """Header values as the parser stored them (8-bit bytes as surrogates), first one wins.

    `Message.get` would wrap 8-bit values in a Header object that loses the bytes.
    """
    found: dict[str, str] = {}
    for name, value in part.raw_items():
        found.setdefault(name.lower(), value)
    return found


def _message(msg: Message) -> InboundMessage:
    raw = _raw_headers(msg)
    try:
        from_name, from_address = headers.address(raw.get("from") or raw.get("sender"))
    except headers.AddressError as exc:
        raise ParseError(f"no sender address in From: {raw.get('from')!r} ({exc})") from None
    body = _Body()
    _walk(msg, body)
    html = "\n".join(body.html)
    if body.plain:
        full = "\n".join(text.rstrip("\r\n") for text in body.plain)
    else:
        full = markup.to_text(html) if html else ""
    full = full.replace("\r\n", "\n").replace("\r", "\n").strip()
    subject = headers.decode(raw.get("subject"))
    kept = {name: headers.decode(value) for name in KEPT_HEADERS if (value := raw.get(name)) is not None}
    return InboundMessage(
        channel="email",
        sender=Identity("email", from_address, from_name),
        subject=subject,
        text=quotes.new_text(full),
        html=markup.sanitise(html) if html else "",
        attachments=tuple(body.attachments),
        locale="zh" if _CJK.search(subject) or _CJK.search(full[:2000]) else "en",
        thread=ThreadKeys(
            message_id=_first(headers.message_ids(raw.get("message-id"))),
            in_reply_to=_first(headers.message_ids(raw.get("in-reply-to"))),
            references=headers.message_ids(raw.get("references")),
        ),
        email=EmailPart(headers=kept, full_text=full, delivery_report=body.report),
    )


def _first(ids: tuple[str, ...]) -> str:
    return ids[0] if ids else ""


def _walk(part: Message, body: _Body, in_report: bool = False) -> None:
    ctype = part.get_content_type()
    if ctype == "multipart/report":
        body.report = delivery_report(part)
        in_report = True
    if part.is_multipart():
        if ctype.startswith("message/"):
            # A DSN's status blocks and returned original were read by delivery_report.
            if ctype == "message/rfc822" and not in_report:
                body.attachments.append(_forwarded(part))
            return
        for child in part.get_payload():
            if isinstance(child, Message):
                _walk(child, body, in_report)
        return
    if ctype in _SIGNATURES or ctype == "text/rfc822-headers":
        return
    filename = _filename(part)
    raw = _raw_headers(part)
    disposition = raw.get("content-disposition", "").split(";", 1)[0].strip().lower()
    if not filename and disposition != "attachment" and ctype in ("text/plain", "text/html"):
        charset = _readable(part, "content-type").get_param("charset")
        text = charsets.decode(_payload(part), charset if isinstance(charset, str) else None)
        (body.plain if ctype == "text/plain" else body.html).append(text)
        return
    cid = raw.get("content-id", "").strip().strip("<>")
    if not filename:
        filename = (cid or "attachment") + _extension(ctype)
    body.attachments.append(
        InboundAttachment(filename, ctype, _payload(part), content_id=cid, inline=disposition == "inline")
    )


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _forwarded(part: Message) -> InboundAttachment:
    inner = part.get_payload(0)
    if not isinstance(inner, Message):
        raise ParseError("message/rfc822 part without a message")
    name = _filename(part) or (headers.decode(_raw_headers(inner).get("subject")) or "message") + ".eml"
    return InboundAttachment(name, "message/rfc822", inner.as_bytes(policy=compat32))


def _filename(part: Message) -> str:
    """The attachment's real name: RFC 2231 (with continuations) or 2047 inside quotes."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _readable(part, header).get_param(param, header=header)
        if isinstance(value, tuple):  # RFC 2231: (charset, language, value)
            charset, _language, text = value
            return charsets.decode(bytes(text, "raw-unicode-escape"), charset or "utf-8").strip()
        if value:
            return headers.decode(value).strip()
    return ""


def _readable(part: Message, header: str) -> Message:
    """`part`, or a stand-in holding `header` as text when its value has raw 8-bit bytes.

    compat32 wraps such values in a Header object that its own parameter parsing cannot split.
    """
    if isinstance(part.get(header, ""), str):
        return part
    holder = Message()
    holder[header] = headers.raw_text(_raw_headers(part)[header])
    return holder


def _extension(ctype: str) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "text/plain": ".txt",
            "text/html": ".html", "application/pdf": ".pdf"}.get(ctype, ".bin")  # fmt: skip
