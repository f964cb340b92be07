"""Core handles of the tables that actions write with Core statements."""

from __future__ import annotations

from sqlalchemy import Table

from desk.models import (
    Attachment,
    AuditEntry,
    Customer,
    Job,
    Message,
    Organization,
    OutboundMessage,
    RawMessage,
    Ticket,
)


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


ATTACHMENTS = _table(Attachment)
AUDIT = _table(AuditEntry)
CUSTOMERS = _table(Customer)
JOBS = _table(Job)
MESSAGES = _table(Message)
ORGANIZATIONS = _table(Organization)
OUTBOX = _table(OutboundMessage)
RAW = _table(RawMessage)
TICKETS = _table(Ticket)
