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


class OutboundStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class OutboundMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    kind: str = Field(max_length=20)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=400)
    body_text: str = Field(default="", sa_type=Text)
    rfc_message_id: str = Field(max_length=998, index=True)
    status: str = Field(default=OutboundStatus.queued, max_length=10)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    next_attempt_at: datetime = Field(default_factory=now)
    created_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None
