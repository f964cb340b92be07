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
from email.utils import getaddresses

from channels.email import boundaries, charsets, envelope, headers, markup, quotes, rawparts
from channels.email.calendar import event_line
from channels.email.report import delivery_report
from channels.message import (
    DeliveryReport,
    EmailPart,
    Identity,
    InboundAttachment,
    InboundMessage,
    ThreadKeys,
)

boundaries.install()  # multipart boundaries without a regular expression each

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
# Every charset the mail names (parts' labels, encoded words, HTML meta): the evidence for
# bytes that name none.
_DECLARED = re.compile(
    rb'charset\s*=\s*["\']?([A-Za-z0-9_.:+-]+)|=\?([A-Za-z0-9_.:+-]+)(?:\*[^?]*)?\?[bBqQ]\?')
# Who writes bounces: "MAILER-DAEMON <>", "Mail Delivery Subsystem", "postmaster".
_DAEMON = re.compile(r"mailer[-_ ]?daemon|postmaster|mail delivery (?:subsystem|system)", re.IGNORECASE)
_UUENCODED = frozenset(("x-uuencode", "uuencode", "x-uue", "uue"))


class ParseError(ValueError):
    """The bytes are not a mail Desk can read; the message says why."""


@dataclass
class _Body:
    raw: bytes  # the mail as it came (attached mails are cut from it)
    evidence: charsets.Evidence
    lifted: list[bytes]  # large base64 bodies taken out before parsing (rawparts.lift)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    # Text parts that carry a file name: the body after all when there is no other.
    text_files: list[tuple[InboundAttachment, str]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)  # the text of each attached mail
    report: DeliveryReport | None = None


def parse(raw: bytes, language: str = "") -> InboundMessage:
    """The InboundMessage (channel "email") of one raw mail; ParseError if unreadable.

    `language`: the language the mailbox it came to is set to (a code of
    `charsets.LANGUAGES`, "" for none): its charsets are preferred for bytes the mail
    leaves unlabelled, after the ones it declares."""
    if not isinstance(raw, bytes | bytearray):
        raise ParseError(f"expected bytes, got {type(raw).__name__}")
    if not raw.strip():
        raise ParseError("empty message")
    try:
        data = envelope.readable_head(bytes(raw))
        smaller, lifted = rawparts.lift(data) if len(data) > rawparts.LIFT_MIN else (data, [])
        msg = message_from_bytes(smaller, policy=compat32)
        return _message(msg, data, lifted, language)
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


def _message(msg: Message, data: bytes, lifted: list[bytes], language: str) -> InboundMessage:
    raw = _raw_headers(msg)
    evidence = charsets.Evidence(lambda: _declared(data), language)
    froms = [value for name, value in msg.raw_items() if name.lower() == "from"]
    from_name, from_address = _sender(froms, raw, evidence)
    body = _Body(data, evidence, lifted)
    _walk(msg, body, ())
    html = "\n".join(body.html)
    plain = [text.rstrip("\r\n") for text in body.plain]
    if any(text.strip() for text in plain):
        full = "\n".join(plain)
    elif html:  # an empty text/plain beside the HTML body hides nothing
        full = markup.to_text(html)
    elif body.text_files:  # a lone text part with a file name is the body
        attachment, full = body.text_files[0]
        body.attachments.remove(attachment)
    elif body.forwarded:  # nothing but an attached mail (a digest, a GroupWise forward)
        full = "\n\n".join(body.forwarded)
    else:
        full = ""
    full = full.replace("\r\n", "\n").replace("\r", "\n").strip()
    if body.events:
        full = "\n\n".join([*body.events, full]) if full else "\n".join(body.events)
    new, quoted = quotes.split(full)
    subject = headers.decode(raw.get("subject"), evidence)
    kept = {name: headers.decode(value, evidence)
            for name in KEPT_HEADERS if (value := raw.get(name)) is not None}
    return InboundMessage(
        channel="email",
        sender=Identity("email", from_address, from_name),
        subject=subject,
        text=new,
        quoted=quoted,
        html=markup.sanitise(html) if html else "",
        attachments=tuple(body.attachments),
        locale="zh" if _CJK.search(subject) or _CJK.search(full[:2000]) else "en",
        thread=ThreadKeys(
            message_id=envelope.own_id(raw.get("message-id"), data),
            in_reply_to=_first(headers.message_ids(raw.get("in-reply-to"))),
            references=headers.message_ids(raw.get("references")),
        ),
        email=EmailPart(headers=kept, full_text=full, delivery_report=body.report,
                        language=language, guessed=evidence.guessed),
    )


def _declared(data: bytes) -> list[str]:
    return [(a or b).decode("ascii") for a, b in _DECLARED.findall(data[:1_000_000])]


def _sender(froms: list[str], raw: dict[str, str], evidence: charsets.Evidence) -> tuple[str, str]:
    """(name, address) of who wrote the mail: the one address its From header(s) name (a
    second From that is junk is passed over); a From with several mailboxes is the Sender's
    (RFC 5322 asks for one then); where From holds no address at all ("MAILER-DAEMON <>",
    "undisclosed"), Sender, Reply-To, then the envelope's Return-Path. A From that names an
    address in a way that is not one plain mailbox (an encoded word, two different senders
    without a Sender) is refused, never replaced: that is how mail passes itself off as
    somebody else's."""
    readings: list[tuple[str, str]] = []
    refused: headers.AddressError | None = None
    for value in froms or [raw.get("sender") or ""]:
        try:
            readings.append(headers.address(value, evidence))
        except headers.AddressError as exc:
            refused = exc
    if len({address.lower() for _, address in readings}) == 1:
        return readings[0]
    if readings:
        raise ParseError(f"From headers name different senders: {froms!r}")
    shown = froms[0] if froms else None
    named = [value for value in froms if "@" in headers.decode(value)]
    if named and len(named) == len(froms) and raw.get("sender") and all(
            len(getaddresses([value])) > 1 for value in named):
        try:
            return headers.address(raw["sender"], evidence)
        except headers.AddressError:
            pass
    if named:
        raise ParseError(f"no sender address in From: {shown!r} ({refused})") from None
    for name in ("sender", "reply-to", "return-path"):
        other = raw.get(name)
        if other and "@" in other:
            try:
                return headers.address(other, evidence)
            except headers.AddressError:
                continue
    is_report = "multipart/report" in raw.get("content-type", "").lower()
    if shown is not None and (_DAEMON.search(shown) or is_report):
        # A bounce from a mail system that signs as nobody: filed as a bounce, never a customer.
        ids = headers.message_ids(raw.get("message-id"))
        domain = ids[0].rsplit("@", 1)[-1].strip("<>") if ids and "@" in ids[0] else "mail.invalid"
        name = headers.decode(shown).replace("<>", "").strip().strip('"') or "MAILER-DAEMON"
        return name, f"mailer-daemon@{domain}"
    raise ParseError(f"no sender address in From: {shown!r} ({refused})") from None


def _first(ids: tuple[str, ...]) -> str:
    return ids[0] if ids else ""


def _walk(part: Message, body: _Body, path: tuple[int, ...], in_report: bool = False) -> None:
    ctype = part.get_content_type()
    if ctype == "multipart/report":
        body.report = delivery_report(part)
        in_report = True
    if part.is_multipart():
        if ctype.startswith("message/"):
            # A DSN's status blocks and returned original were read by delivery_report.
            if ctype == "message/rfc822" and not in_report:
                body.attachments.append(_forwarded(part, body.raw, path))
                inner = part.get_payload(0)
                if isinstance(inner, Message):
                    body.forwarded.append(_inner_text(inner, body.evidence, body.lifted))
            return
        for index, child in enumerate(part.get_payload()):
            if isinstance(child, Message):
                _walk(child, body, (*path, index), in_report)
        return
    if ctype in _SIGNATURES or ctype == "text/rfc822-headers":
        return
    if ctype.startswith("multipart/"):  # a multipart without a (usable) boundary: its text
        body.plain.append(_text(part, body))
        return
    filename = _filename(part, body.evidence)
    raw = _raw_headers(part)
    disposition = raw.get("content-disposition", "").split(";", 1)[0].strip().lower()
    is_text = ctype in ("text/plain", "text/html")
    if not filename and disposition != "attachment" and is_text:
        (body.plain if ctype == "text/plain" else body.html).append(_text(part, body))
        return
    cid = raw.get("content-id", "").strip().strip("<>")
    data = _payload(part, body)
    if ctype == "text/calendar":
        line = event_line(charsets.decode(data, _charset(part), body.evidence))
        if line:
            body.events.append(line)
        filename = filename or "invite.ics"
    if not filename:
        filename = (cid or "attachment") + _extension(ctype)
    attachment = InboundAttachment(filename, ctype, data, content_id=cid, inline=disposition == "inline")
    body.attachments.append(attachment)
    if is_text and (disposition == "inline" or not path):
        body.text_files.append((attachment, _text(part, body)))


def _inner_text(inner: Message, evidence: charsets.Evidence, lifted: list[bytes]) -> str:
    """The readable text of an attached mail: its subject line, then its body."""
    body = _Body(b"", evidence, lifted)
    _walk(inner, body, ())
    plain = "\n".join(text.strip() for text in body.plain if text.strip())
    text = plain or (markup.to_text("\n".join(body.html)) if body.html else "")
    subject = headers.decode(_raw_headers(inner).get("subject"), evidence)
    return f"{subject}\n\n{text}".strip() if subject else text.strip()


def _text(part: Message, body: _Body) -> str:
    return charsets.decode(_payload(part, body), _charset(part), body.evidence)


def _charset(part: Message) -> str | None:
    charset = _readable(part, "content-type").get_param("charset")
    return charset if isinstance(charset, str) else None


def _payload(part: Message, body: _Body) -> bytes:
    lifted = rawparts.lifted_payload(part.get_payload(), body.lifted)
    if lifted is not None:
        return lifted
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding in _UUENCODED:
        return envelope.uudecode(part.get_payload(decode=False))
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _forwarded(part: Message, raw: bytes, path: tuple[int, ...]) -> InboundAttachment:
    """An attached mail, byte for byte as it came (rebuilt only when its bytes cannot be found)."""
    inner = part.get_payload(0)
    if not isinstance(inner, Message):
        raise ParseError("message/rfc822 part without a message")
    name = (_filename(part, charsets.NO_EVIDENCE)
            or (headers.decode(_raw_headers(inner).get("subject")) or "message") + ".eml")
    data = rawparts.body_at(raw, path) if path else None
    if not data:
        data = inner.as_bytes(policy=compat32)
    return InboundAttachment(name, "message/rfc822", data)


def _filename(part: Message, evidence: charsets.Evidence) -> str:
    """The attachment's real name: RFC 2231 (with continuations) or 2047 inside quotes."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _readable(part, header, evidence).get_param(param, header=header)
        if isinstance(value, tuple):  # RFC 2231: (charset, language, value)
            charset, _language, text = value
            return charsets.decode(bytes(text, "raw-unicode-escape"), charset or "utf-8", evidence).strip()
        if value:
            return headers.decode(value, evidence).strip()
    return ""


def _readable(part: Message, header: str, evidence: charsets.Evidence = charsets.NO_EVIDENCE) -> Message:
    """`part`, or a stand-in holding `header` as text when its value has raw 8-bit bytes.

    compat32 wraps such values in a Header object that its own parameter parsing cannot split.
    """
    if isinstance(part.get(header, ""), str):
        return part
    holder = Message()
    holder[header] = headers.raw_text(_raw_headers(part)[header], evidence)
    return holder


def _extension(ctype: str) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "text/plain": ".txt",
            "text/html": ".html", "application/pdf": ".pdf", "text/calendar": ".ics",
            "message/delivery-status": ".txt"}.get(ctype, ".bin")  # fmt: skip
