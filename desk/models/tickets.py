"""Tickets, their messages, attachments and tags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, Text, false, text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class Status(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"
    on_hold = "on_hold"
    solved = "solved"
    closed = "closed"


# Tickets that still need work from the desk ("all open" in the queue).
OPEN_STATUSES = (Status.new, Status.open, Status.on_hold)
# The same as SQL. Queries must spell it exactly like this (literal values, not
# bound parameters) for SQLite and PostgreSQL to use the partial index below.
OPEN_SQL = "status IN ('new', 'open', 'on_hold')"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Channel(StrEnum):
    web = "web"
    email = "email"
    api = "api"
    chat = "chat"


class Direction(StrEnum):
    inbound = "inbound"  # from the customer
    outbound = "outbound"  # a public reply from the desk
    internal = "internal"  # a note: never shown to or sent to the customer


class Ticket(SQLModel, table=True):
    """A customer's request. Its id is the ticket number people quote."""

    __table_args__ = (
        Index("ix_ticket_status_updated", "status", "updated_at"),
        Index("ix_ticket_team_status_updated", "team_id", "status", "updated_at"),
        Index("ix_ticket_assignee_status_updated", "assignee_id", "status", "updated_at"),
        Index("ix_ticket_customer_updated", "customer_id", "updated_at"),
        # The service report's daily roll-up: the tickets created on a day.
        Index("ix_ticket_created", "created_at"),
        # "All open, by last update" walks this in order: no sort of every open ticket.
        Index("ix_ticket_open_updated", "updated_at", "id",
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        # "By next due time": only tickets with a running clock have one (and only those are in
        # it: a planner never walks every solved ticket's empty due time).
        Index("ix_ticket_next_due", "next_due_at", "id", sqlite_where=text("next_due_at IS NOT NULL"),
              postgresql_where=text("next_due_at IS NOT NULL")),
        # VIP customers' tickets, read first by every view (queries/tickets/ordering): small, and
        # found by status even before statistics know it is small (none when the desk has none).
        Index("ix_ticket_vip_status_updated", "status", "updated_at", "id", sqlite_where=text("vip"),
              postgresql_where=text("vip")),
        # Open tickets with no clock running (on hold, or no policy), last of "by next due time".
        Index("ix_ticket_open_undue_updated", "updated_at", "id",
              sqlite_where=text(f"next_due_at IS NULL AND {OPEN_SQL}"),
              postgresql_where=text(f"next_due_at IS NULL AND {OPEN_SQL}")),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=300)
    status: str = Field(default=Status.new, max_length=20)
    priority: str = Field(default=Priority.normal, max_length=20)
    channel: str = Field(default=Channel.web, max_length=20)
    customer_id: int = Field(foreign_key="customer.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    # The mailbox it came in by; replies leave from it (None: the default mailbox).
    mailbox_id: int | None = Field(default=None, foreign_key="mailbox.id")
    # The closed ticket this one continues (a customer wrote again after it was closed).
    follows_id: int | None = Field(default=None, foreign_key="ticket.id")
    # Merged into that ticket: its messages moved there, it stays closed as a pointer.
    merged_into_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    # One more on every change to the ticket or its conversation: a form opened at an older
    # version is stale and asks before it overwrites (desk.actions.tickets.collisions).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    # When the solved-ticket retention rule removed its messages' text, files and raw mail
    # (desk.actions.retention.content); the row, its history and report counts stay.
    content_removed_at: datetime | None = None
    # The earliest due time of its running SLA clocks (None: none running, or paused), kept
    # in step by desk.actions.sla.clocks: the queue shows and sorts by it.
    next_due_at: datetime | None = None
    # The customer is a VIP: their tickets come first in every queue. Kept by the database's
    # triggers (migration 0019) whenever a customer's tier or a ticket's customer changes.
    vip: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Values of the admin-defined ticket fields, by TicketField.key (desk.actions.tickets.fields).
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON,
                                   sa_column_kwargs={"server_default": text("'{}'")})


class TicketField(SQLModel, table=True):
    """A field admins add to every ticket: text, number or a choice among `choices`; optional."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=50)
    label: str = Field(max_length=100)
    kind: str = Field(max_length=10)  # text, number, choice
    choices: list[str] = Field(default_factory=list, sa_type=JSON)
    position: int = 0
    created_at: datetime = Field(default_factory=now)


class TicketTag(SQLModel, table=True):
    __table_args__ = (Index("ix_tickettag_tag_ticket", "tag", "ticket_id"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    tag: str = Field(primary_key=True, max_length=50)


class TicketLink(SQLModel, table=True):
    """Two related tickets, linked by an agent and shown on both pages; one row per pair,
    the lower number first (`ticket_id` < `linked_id`)."""

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    linked_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=now)


class Message(SQLModel, table=True):
    __table_args__ = (
        Index("ix_message_ticket_id", "ticket_id", "id"),
        # Merges and anonymisation find a customer's own messages by it.
        Index("ix_message_author_customer", "author_customer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    direction: str = Field(max_length=10)
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    author_customer_id: int | None = Field(default=None, foreign_key="customer.id")
    text: str = Field(default="", sa_type=Text)
    # The history a mail quotes or forwards, below its new text; the page folds it.
    quoted: str = Field(default="", sa_type=Text)
    html: str = Field(default="", sa_type=Text)
    # RFC 5322 Message-ID, with angle brackets; threads mail replies.
    message_id: str = Field(max_length=998, index=True)
    created_at: datetime = Field(default_factory=now)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    size: int
    # Random name of its file under the data folder, never derived from the filename; ""
    # when the bytes are in the database (AttachmentBytes): see desk/attachment_store.py.
    storage_key: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    # An inline image's Content-ID (without <>): what the mail's HTML calls it (cid:...).
    content_id: str = Field(default="", max_length=255)


class AttachmentBytes(SQLModel, table=True):
    """The bytes of an attachment kept in the database (up to desk.attachment_store.INLINE_MAX):
    written once with the attachment's row, gone with it."""

    attachment_id: int = Field(primary_key=True, foreign_key="attachment.id", ondelete="CASCADE")
    data: bytes = Field(sa_type=LargeBinary)


class SubmissionStatus(StrEnum):
    done = "done"  # a ticket holds it (ticket_id, token)
    failed = "failed"  # the intake failed on it, alone too: its payload and error are kept
    discarded = "discarded"  # a failed one an admin threw away: its payload is deleted


class FormSubmission(SQLModel, table=True):
    """What became of a web-form request taken from the spool (desk.form_spool) by the intake
    process (desk.form_intake): written in the transaction that opens its ticket, so a
    request is a ticket once, whoever takes it and whenever a process taking it dies."""

    __table_args__ = (Index("ux_formsubmission_spool_request", "spool", "request_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    spool: str = Field(max_length=36)  # the spool's own id (one per data folder)
    request_id: int  # the request's id in that spool
    status: str = Field(default=SubmissionStatus.done, max_length=12)
    # The request page's token (desk.links.request_token) when a ticket holds it.
    token: str = Field(default="", max_length=200)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", ondelete="SET NULL")
    # Failed: the request as sent (desk.actions.ingest.submissions.to_payload) and why.
    payload: str = Field(default="", sa_type=Text)
    error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=now)
