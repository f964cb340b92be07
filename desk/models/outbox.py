"""The outbox: mail waiting to leave, with its delivery state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class OutboundKind(StrEnum):
    acknowledgement = "acknowledgement"
    reply = "reply"
    notification = "notification"
    survey = "survey"  # a satisfaction survey after a solve
    transcript = "transcript"  # a chat as it was, when the visitor left


class OutboundStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
    read_in_chat = "in_chat"  # a chat reply the visitor read on the page: not mailed
    in_transcript = "transcript"  # a chat reply the visitor left without reading: in the transcript


class OutboundMessage(SQLModel, table=True):
    __table_args__ = (
        Index("ix_outbound_status_next", "status", "next_attempt_at"),
        # "How many acknowledgements did this sender get in the last hour?"
        Index("ix_outbound_to_kind_created", "to_address", "kind", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    kind: str = Field(max_length=20)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=400)
    body_text: str = Field(default="", sa_type=Text)
    rfc_message_id: str = Field(max_length=998, index=True)
    # Threading headers as sent (space-separated Message-IDs with angle brackets).
    in_reply_to: str = Field(default="", sa_type=Text)
    references: str = Field(default="", sa_type=Text)
    # The mailbox it leaves from (None: the ticket's, else the default mailbox).
    mailbox_id: int | None = Field(default=None, foreign_key="mailbox.id")
    status: str = Field(default=OutboundStatus.queued, max_length=10)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    next_attempt_at: datetime = Field(default_factory=now)
    created_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None
