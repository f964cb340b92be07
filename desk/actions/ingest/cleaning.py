"""What no message may carry into the desk, whatever its channel: control characters in
one-line fields (a CR/LF in a subject or name forges mail headers and log lines, a NUL
breaks storage and sending), NULs in text, and in file names the direction overrides that
disguise `invoice\u202efdp.exe` as `invoiceexe.pdf`."""

from __future__ import annotations

import re
from dataclasses import replace

from channels.message import InboundAttachment, InboundMessage

_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f]+")
_NUL = re.compile("\x00+")
_DIRECTION = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(value: str) -> str:
    """A name, subject or address: every run of control characters becomes one space."""
    return _LINE_BREAKING.sub(" ", value).strip() if _LINE_BREAKING.search(value) else value


def file_name(value: str) -> str:
    return one_line(_DIRECTION.sub("", value)) or "attachment"


def cleaned(message: InboundMessage) -> InboundMessage:
    """`message` with its fields safe to store and to send back out; the same object when
    there was nothing to change (the common case costs a few searches)."""
    sender = message.sender
    changes: dict[str, object] = {}
    if (subject := one_line(message.subject)) != message.subject:
        changes["subject"] = subject
    if (name := one_line(sender.name)) != sender.name or one_line(sender.value) != sender.value:
        changes["sender"] = replace(sender, name=name, value=one_line(sender.value).replace(" ", ""))
    if "\x00" in message.text:
        changes["text"] = _NUL.sub("", message.text)
    if "\x00" in message.html:
        changes["html"] = _NUL.sub("", message.html)
    files = tuple(_attachment(a) for a in message.attachments)
    if files != message.attachments:
        changes["attachments"] = files
    return replace(message, **changes) if changes else message  # type: ignore[arg-type]


def _attachment(a: InboundAttachment) -> InboundAttachment:
    name = file_name(a.filename)
    return a if name == a.filename else replace(a, filename=name)
