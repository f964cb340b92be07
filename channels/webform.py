"""The public web form: raw fields and files in, an InboundMessage or errors out.

Errors are codes (``required``, ``too_long``...) that the web layer translates;
this module knows nothing of the desk or of HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from channels.message import Identity, InboundAttachment, InboundMessage

HONEYPOT = "website"
FIELDS = ("name", "email", "subject", "message")
MAX_LENGTHS = {"name": 200, "email": 320, "subject": 200, "message": 20000}
# An address as people have them: the local part of letters (any script), digits and the
# few signs RFC 5322 allows unquoted; a domain of dot-separated labels. Nothing a browser or
# a mail header could read as markup, a scheme or a second header ("javascript:...").
EMAIL_RE = re.compile(r"^[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*@(?:[\w-]+\.)+[\w-]{2,}\Z")


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int
    max_attachments: int


@dataclass(frozen=True)
class FormResult:
    message: InboundMessage | None
    errors: dict[str, str]
    values: dict[str, str]
    is_spam: bool = False


# NULs and other C0 controls except tab and newlines: they break storage and display.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value: str) -> str:
    return _CONTROLS.sub("", value).strip()


def text_error(value: str, max_length: int) -> str | None:
    """The error code for a required text, or None when it is fine."""
    if not value:
        return "required"
    return "too_long" if len(value) > max_length else None


def attachments_error(files: int, oversize: Sequence[str], limits: Limits) -> str | None:
    """The error code for a message's uploads, or None when they are fine."""
    if files + len(oversize) > limits.max_attachments:
        return "too_many_files"
    return "file_too_large" if oversize else None


def message_errors(
    text_field: str, text: str, max_length: int, files: int, oversize: Sequence[str],
    limits: Limits,
) -> dict[str, str]:
    """Errors of a follow-up message (text and uploads), by field."""
    errors = {}
    if code := text_error(text, max_length):
        errors[text_field] = code
    if code := attachments_error(files, oversize, limits):
        errors["attachments"] = code
    return errors


def validate_request(
    fields: Mapping[str, str],
    files: Sequence[InboundAttachment],
    limits: Limits,
    oversize_files: Sequence[str] = (),
    locale: str = "en",
) -> FormResult:
    """Check a submission; ``oversize_files`` names uploads already cut at the limit."""
    values = {name: _clean(fields.get(name, "")) for name in FIELDS}
    if fields.get(HONEYPOT, "").strip():
        return FormResult(None, {}, values, is_spam=True)
    errors: dict[str, str] = {}
    for name in FIELDS:
        if code := text_error(values[name], MAX_LENGTHS[name]):
            errors[name] = code
    if "email" not in errors and not EMAIL_RE.match(values["email"]):
        errors["email"] = "invalid_email"
    if code := attachments_error(len(files), oversize_files, limits):
        errors["attachments"] = code
    if errors:
        return FormResult(None, errors, values)
    message = InboundMessage(
        channel="web",
        sender=Identity("email", values["email"].lower(), values["name"]),
        subject=values["subject"],
        text=values["message"],
        attachments=tuple(files),
        locale=locale,
    )
    return FormResult(message, {}, values)
