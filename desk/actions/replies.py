"""Customers' replies in batches: what mail intake adds to existing tickets.

The batch twin of `desk.actions.tickets.changes.add_customer_reply` (which the web pages use for
one reply): one query for the senders, one for the tickets, one statement per table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from channels.message import InboundMessage
from desk.actions.attachments import store_attachments
from desk.actions.audit import SYSTEM, Actor, audit_row
from desk.actions.customers.identities import Contact, identify_senders
from desk.actions.inserts import insert_many, insert_rows
from desk.actions.jobs import publish
from desk.actions.tables import AUDIT, MESSAGES, TICKETS
from desk.events import CustomerReplied, Event
from desk.models import Direction, Status
from desk.models.base import now
from desk.settings import Settings
from desk.threading_ids import new_message_id

# A customer writing again puts the ticket back in front of the desk.
REOPENS = (Status.pending, Status.solved, Status.closed)

_STATUSES = core_select(TICKETS.c.id, TICKETS.c.status).where(
    TICKETS.c.id.in_(bindparam("ids", expanding=True)))
_TOUCH = update(TICKETS).where(TICKETS.c.id == bindparam("tid")).values(
    status=bindparam("new_status"), updated_at=bindparam("stamp"))


@dataclass(frozen=True)
class Reply:
    ticket_id: int
    message: InboundMessage


def add_customer_replies(session: Session, settings: Settings, replies: Sequence[Reply]) -> list[int]:
    """Add each reply to its ticket, in order, reopening tickets that waited on the customer;
    audited, CustomerReplied published. Returns the new message ids. Caller's transaction."""
    if not replies:
        return []
    senders = identify_senders(session, SYSTEM, [
        Contact(r.message.from_address, r.message.from_name, r.message.channel, r.message.locale)
        for r in replies])
    statuses: dict[int, str] = dict(session.connection().execute(  # type: ignore[arg-type]
        _STATUSES, {"ids": sorted({r.ticket_id for r in replies})}).all())
    stamp = now()
    message_ids = insert_rows(session, MESSAGES, [dict(
        ticket_id=r.ticket_id, direction=Direction.inbound, author_user_id=None,
        author_customer_id=s.id, text=r.message.text, html=r.message.html,
        message_id=r.message.message_id or new_message_id(settings), created_at=stamp,
    ) for r, s in zip(replies, senders, strict=True)])
    store_attachments(session, settings.attachments_dir, [
        (message_id, upload) for r, message_id in zip(replies, message_ids, strict=True)
        for upload in r.message.attachments])
    audits: list[dict[str, Any]] = []
    for r, s, message_id in zip(replies, senders, message_ids, strict=True):
        changes: dict[str, Any] = {"message": [None, message_id]}
        before = statuses[r.ticket_id]
        if before in REOPENS:
            changes["status"] = [before, Status.open]
            statuses[r.ticket_id] = Status.open
        audits.append(audit_row(Actor("customer", s.id, s.name), "ticket", r.ticket_id,
                                "customer_replied", changes))
    session.connection().execute(_TOUCH, [
        {"tid": tid, "new_status": status, "stamp": stamp} for tid, status in statuses.items()])
    insert_many(session, AUDIT, audits)
    events: list[Event] = [CustomerReplied(r.ticket_id, m)
                           for r, m in zip(replies, message_ids, strict=True)]
    publish(session, events)
    return message_ids
