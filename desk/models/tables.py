"""Core handles of the tables, for the statements that actions and queries write with Core."""

from __future__ import annotations

from sqlalchemy import Table

from desk.models import (
    Attachment,
    AttachmentBytes,
    AuditEntry,
    Customer,
    CustomerIdentity,
    CustomerSearchKey,
    CustomerTag,
    Job,
    Mailbox,
    Message,
    Organization,
    OutboundMessage,
    RawMessage,
    RawMessageBytes,
    Survey,
    Ticket,
)


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


ATTACHMENTS = _table(Attachment)
ATTACHMENT_BYTES = _table(AttachmentBytes)
AUDIT = _table(AuditEntry)
CUSTOMERS = _table(Customer)
CUSTOMER_TAGS = _table(CustomerTag)
IDENTITIES = _table(CustomerIdentity)
JOBS = _table(Job)
MAILBOXES = _table(Mailbox)
MESSAGES = _table(Message)
ORGANIZATIONS = _table(Organization)
OUTBOX = _table(OutboundMessage)
RAW = _table(RawMessage)
RAW_BYTES = _table(RawMessageBytes)
SEARCH_KEYS = _table(CustomerSearchKey)
SURVEYS = _table(Survey)
TICKETS = _table(Ticket)
