"""Auto-replies: out-of-office notes, vacation responders, bulk and list mail."""

from __future__ import annotations

import re

from channels.email.classify import Drop, classified, email_part
from channels.message import InboundMessage

_BULK_PRECEDENCE = frozenset(("bulk", "junk", "list", "auto_reply", "auto-reply"))
_SUBJECTS = re.compile(
    r"^\s*(?:"
    r"auto(?:matic)?[ -]?(?:reply|response|antwort)|auto:|autoreply|out of (?:the )?office|"
    r"abwesenheitsnotiz|réponse automatique|vacation reply|away from (?:the )?office|"
    r"自动回复|自動回覆|自动答复|自動回复|休假自动回复|外出自动回复"
    r")",
    re.IGNORECASE,
)


def detect_autoreply(message: InboundMessage) -> InboundMessage | Drop:
    """Classify `message` as an auto-reply from its headers (RFC 3834 and vendor ones) or subject."""
    part = email_part(message)
    if part.classification != "normal":
        return message
    if _by_headers(part.headers) or _SUBJECTS.match(message.subject):
        return classified(message, "autoreply")
    return message


def _by_headers(headers: dict[str, str]) -> bool:
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return True
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return True
    precedence = (headers.get("precedence") or headers.get("x-precedence") or "").strip().lower()
    return precedence in _BULK_PRECEDENCE
