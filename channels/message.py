"""The contract between channel adapters and the desk: plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# normal: a person wrote it; autoreply: out-of-office and the like; bounce: a delivery report.
Classification = Literal["normal", "autoreply", "bounce"]


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""  # set on inline images that HTML refers to as cid:
    inline: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    """What a bounce (RFC 3464 delivery status notification) says failed."""

    original_message_id: str = ""
    recipients: tuple[str, ...] = ()
    action: str = ""  # failed, delayed, delivered...
    status: str = ""  # e.g. 5.1.1
    diagnostic: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """One message from a customer, whatever channel it came by."""

    channel: str  # web, email, api
    from_address: str
    from_name: str
    subject: str
    text: str
    html: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
    locale: str = "en"
    headers: dict[str, str] = field(default_factory=dict)
    full_text: str = ""  # the whole text, quoted history included; `text` is the new part
    classification: Classification = "normal"
    delivery_report: DeliveryReport | None = None
    thread_hint: int | None = None  # N of a "[#N]" tag in the subject


@dataclass(frozen=True)
class OutboundMessage:
    """One mail to send: what a channel's sender needs, nothing from the database."""

    to_address: str
    from_address: str
    subject: str
    text: str
    message_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
