"""The public web form: raw fields and files in, an InboundMessage or errors out.

Errors are codes (``required``, ``too_long``...) that the web layer translates;
this module knows nothing of the desk or of HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from channels.message import InboundAttachment, InboundMessage

HONEYPOT = "website"
FIELDS = ("name", "email", "subject", "message")
MAX_LENGTHS = {"name": 200, "email": 320, "subject": 200, "message": 20000}
EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]+$")


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


def _clean(value: str) -> str:
    # Drop NULs and other C0 controls except tab and newlines: they break storage and display.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r").strip()


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
        if not values[name]:
            errors[name] = "required"
        elif len(values[name]) > MAX_LENGTHS[name]:
            errors[name] = "too_long"
    if "email" not in errors and not EMAIL_RE.match(values["email"]):
        errors["email"] = "invalid_email"
    if len(files) + len(oversize_files) > limits.max_attachments:
        errors["attachments"] = "too_many_files"
    elif oversize_files:
        errors["attachments"] = "file_too_large"
    if errors:
        return FormResult(None, errors, values)
    message = InboundMessage(
        channel="web",
        from_address=values["email"].lower(),
        from_name=values["name"],
        subject=values["subject"],
        text=values["message"],
        attachments=tuple(files),
        locale=locale,
    )
    return FormResult(message, {}, values)
