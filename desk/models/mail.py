"""Raw mail as it arrived: stored and committed before anything reads it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class RawStatus(StrEnum):
    stored = "stored"  # not yet ingested
    ingested = "ingested"  # opened a ticket or was added to one
    duplicate = "duplicate"
    autoreply = "autoreply"
    bounce = "bounce"
    quarantined = "quarantined"  # could not be parsed or ingested; see `error`
    discarded = "discarded"  # quarantined, then thrown away by an admin (raw bytes kept)


class RawMessage(SQLModel, table=True):
    __table_args__ = (
        Index("ix_rawmessage_mailbox_status", "mailbox", "status"),  # per-mailbox accounting
        # The quarantine (newest first) and the sweep of stored mail: one status, by id.
        Index("ix_rawmessage_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=100)
    # Where IMAP found it; None for mail fed in by `desk ingest`.
    uidvalidity: int | None = None
    uid: int | None = None
    # Read from the header when stored (before parsing), with angle brackets; "" when absent.
    message_id: str = Field(default="", max_length=998, index=True)
    sha256: str = Field(max_length=64, index=True)
    status: str = Field(default=RawStatus.stored, max_length=12)
    error: str = Field(default="", sa_type=Text)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    created_at: datetime = Field(default_factory=now)


class RawMessageBytes(SQLModel, table=True):
    """The bytes of a raw mail, written once and never rewritten: kept apart from the row
    whose status changes, because SQLite rewrites a whole row (a 5 MB mail) on any update."""

    raw_id: int = Field(primary_key=True, foreign_key="rawmessage.id")
    raw: bytes = Field(sa_type=LargeBinary)
