"""The two writes of the intake, for a batch at a time: open a ticket for each new request,
add each message that continues one (their words go into the search index in the same
transaction). One statement per table per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from channels.message import InboundMessage
from desk.actions.attachments import store_attachments
from desk.actions.audit import Actor, audit_row
from desk.actions.customers.identities import Sender
from desk.actions.ingest.acknowledgements import Opening, Placement, acknowledge
from desk.actions.inserts import insert_many, insert_rows
from desk.actions.tickets.search_index import add_messages, index_new_tickets
from desk.links import request_token
from desk.models import Direction, Priority, Status
from desk.models.base import now
from desk.models.tables import AUDIT, MESSAGES, TICKETS
from desk.settings import Settings
from desk.threading_ids import new_message_id

# A customer writing again puts a ticket that waited on them, or was solved, back in front
# of the desk. A closed ticket stays closed: what continues it opens a new ticket that
# follows it (the intake decides that before it gets here).
REOPENS = (Status.pending, Status.solved)

_STATUSES = core_select(TICKETS.c.id, TICKETS.c.status).where(
    TICKETS.c.id.in_(bindparam("ids", expanding=True)))
_TOUCH = update(TICKETS).where(TICKETS.c.id == bindparam("tid")).values(
    status=bindparam("new_status"), updated_at=bindparam("stamp"), version=TICKETS.c.version + 1)


@dataclass(frozen=True)
class NewTicket:
    message: InboundMessage
    sender: Sender
    place: Placement
    follows_id: int | None  # the closed ticket this request continues


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    message_id: int
    token: str  # the signed token of the customer's private page for this request


def open_tickets(session: Session, settings: Settings, new: Sequence[NewTicket]) -> list[Opened]:
    """A ticket for each request, with its first message, attachments, audit row and
    acknowledgement; in the caller's transaction, in order."""
    if not new:
        return []
    stamp = now()
    ticket_ids = insert_rows(session, TICKETS, [dict(
        subject=n.message.subject[:300], status=Status.new, priority=Priority.normal,
        channel=n.message.channel, customer_id=n.sender.id, team_id=n.place.team_id,
        mailbox_id=n.place.mailbox_id, follows_id=n.follows_id, created_at=stamp, updated_at=stamp,
    ) for n in new])
    rfc_ids = [n.message.thread.message_id or new_message_id(settings) for n in new]
    message_ids = _insert_messages(session, [
        (t, n.message, n.sender, rfc) for t, n, rfc in zip(ticket_ids, new, rfc_ids, strict=True)],
        settings, stamp)
    insert_many(session, AUDIT, [
        audit_row(Actor("customer", n.sender.id, n.sender.name), "ticket", t, "created", _created(n))
        for n, t in zip(new, ticket_ids, strict=True)])
    index_new_tickets(session, [(t, n.message, n.sender.id)
                                for t, n in zip(ticket_ids, new, strict=True)])
    tokens = [request_token(settings.secret_key, t, n.sender.id)
              for n, t in zip(new, ticket_ids, strict=True)]
    acknowledge(session, settings, [
        Opening(t, n.message.subject[:300], n.sender, token, n.place, rfc)
        for n, t, token, rfc in zip(new, ticket_ids, tokens, rfc_ids, strict=True)
        if not n.message.automatic])
    return [Opened(t, m, token) for t, m, token in zip(ticket_ids, message_ids, tokens, strict=True)]


@dataclass(frozen=True)
class Continuation:
    ticket_id: int
    message: InboundMessage
    sender: Sender


def add_to_tickets(session: Session, settings: Settings, items: Sequence[Continuation]) -> list[int]:
    """Add each message to its ticket, in order, reopening tickets that waited on the
    customer or were solved; audited. Returns the new message ids. Caller's transaction."""
    if not items:
        return []
    statuses: dict[int, str] = dict(session.connection().execute(  # type: ignore[arg-type]
        _STATUSES, {"ids": sorted({c.ticket_id for c in items})}).all())
    stamp = now()
    message_ids = _insert_messages(session, [
        (c.ticket_id, c.message, c.sender, c.message.thread.message_id or new_message_id(settings))
        for c in items], settings, stamp)
    add_messages(session, [(c.ticket_id, c.message) for c in items])
    audits: list[dict[str, Any]] = []
    for c, message_id in zip(items, message_ids, strict=True):
        changes: dict[str, Any] = {"message": [None, message_id]}
        before = statuses[c.ticket_id]
        if before in REOPENS:
            changes["status"] = [before, Status.open]
            statuses[c.ticket_id] = Status.open
        audits.append(audit_row(Actor("customer", c.sender.id, c.sender.name), "ticket",
                                c.ticket_id, "customer_replied", changes))
    session.connection().execute(_TOUCH, [
        {"tid": tid, "new_status": status, "stamp": stamp} for tid, status in statuses.items()])
    insert_many(session, AUDIT, audits)
    return message_ids


def _insert_messages(session: Session, rows: Sequence[tuple[int, InboundMessage, Sender, str]],
                     settings: Settings, stamp: Any) -> list[int]:
    message_ids = insert_rows(session, MESSAGES, [dict(
        ticket_id=ticket_id, direction=Direction.inbound, author_user_id=None,
        author_customer_id=sender.id, text=m.text, quoted=m.quoted, html=m.html, message_id=rfc_id,
        created_at=stamp,
    ) for ticket_id, m, sender, rfc_id in rows])
    store_attachments(session, settings.attachments_dir, [
        (message_id, upload) for (_, m, _, _), message_id in zip(rows, message_ids, strict=True)
        for upload in m.attachments])
    return message_ids


def _created(n: NewTicket) -> dict[str, list[object]]:
    change: dict[str, list[object]] = {"subject": [None, n.message.subject[:300]],
                                       "channel": [None, n.message.channel]}
    if n.place.team_id is not None:
        change["team_id"] = [None, n.place.team_id]
    if n.follows_id is not None:
        change["follows_id"] = [None, n.follows_id]
    return change
