"""The contract between channel adapters and the desk: plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


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
