"""Reading an RFC 3464 delivery status notification (multipart/report)."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from channels.email import headers
from channels.message import DeliveryReport


def delivery_report(report: Message) -> DeliveryReport:
    """Who failed, why, and the Message-ID of the returned original (if it came back)."""
    fields: dict[str, str] = {}
    original = ""
    for part in report.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload():
                if isinstance(block, Message):
                    for name in ("final-recipient", "original-recipient", "action", "status",
                                 "diagnostic-code"):  # fmt: skip
                        if block.get(name) and name not in fields:
                            fields[name] = " ".join(str(block[name]).split())
        elif ctype == "message/rfc822" and not original:
            inner = part.get_payload(0)
            if isinstance(inner, Message):
                original = _first_id(inner.get("message-id"))
        elif ctype == "text/rfc822-headers" and not original:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                inner_headers = BytesHeaderParser(policy=compat32).parsebytes(data)
                original = _first_id(inner_headers.get("message-id"))
    recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
    return DeliveryReport(
        original_message_id=original,
        recipients=(recipient.split(";", 1)[-1].strip(),) if recipient else (),
        action=fields.get("action", "").lower(),
        status=fields.get("status", ""),
        diagnostic=fields.get("diagnostic-code", ""),
    )


def _first_id(value: str | None) -> str:
    ids = headers.message_ids(value)
    return ids[0] if ids else ""
