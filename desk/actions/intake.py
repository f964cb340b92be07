"""Intake: the single entrance for customers' new requests, from every channel.

Batch-first: ``open_tickets`` takes many messages and writes each table with one
statement, which is what makes the web form under load and mail imports fast.
One message is a batch of one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from channels.message import InboundMessage
from desk import notices
from desk.actions.attachments import store_attachment
from desk.actions.audit import SYSTEM, Actor, audit_row
from desk.actions.customers import Contact, Sender, identify_senders
from desk.actions.inserts import insert_many, insert_rows
from desk.actions.jobs import publish
from desk.actions.outbox import outbox_row
from desk.actions.tables import AUDIT, MESSAGES, OUTBOX, TICKETS
from desk.events import Event, TicketCreated
from desk.links import request_link, request_token
from desk.models import (
    Direction,
    OutboundKind,
    Priority,
    Status,
    Ticket,
)
from desk.models.base import now
from desk.settings import Settings
from desk.threading_ids import new_message_id


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    customer_id: int
    # The signed token of the customer's private page for this request.
    token: str
    events: list[Event]


def open_tickets(
    session: Session, settings: Settings, inbounds: Sequence[InboundMessage]
) -> list[Opened]:
    """A ticket for each message, with its customer, first message, audit row and
    acknowledgement in the outbox; in the caller's transaction, in order."""
    if not inbounds:
        return []
    senders = identify_senders(session, SYSTEM, [
        Contact(m.from_address, m.from_name, m.channel, m.locale) for m in inbounds])
    stamp = now()
    ticket_ids = insert_rows(session, TICKETS, [dict(
        subject=m.subject[:300], status=Status.new, priority=Priority.normal, channel=m.channel,
        customer_id=s.id, created_at=stamp, updated_at=stamp,
    ) for m, s in zip(inbounds, senders, strict=True)])
    message_ids = insert_rows(session, MESSAGES, [dict(
        ticket_id=t, direction=Direction.inbound, author_user_id=None, author_customer_id=s.id,
        text=m.text, html=m.html, message_id=m.message_id or new_message_id(settings),
        created_at=stamp,
    ) for m, s, t in zip(inbounds, senders, ticket_ids, strict=True)])
    for m, message_id in zip(inbounds, message_ids, strict=True):
        for upload in m.attachments:
            store_attachment(session, settings.attachments_dir, message_id, upload)
    insert_many(session, AUDIT, [
        audit_row(Actor("customer", s.id, s.name), "ticket", t, "created",
                  {"subject": [None, m.subject[:300]], "channel": [None, m.channel]})
        for m, s, t in zip(inbounds, senders, ticket_ids, strict=True)])
    tokens = [request_token(settings.secret_key, t, s.id)
              for s, t in zip(senders, ticket_ids, strict=True)]
    insert_many(session, OUTBOX, [
        _acknowledgement(settings, t, m.subject[:300], s, token)
        for m, s, t, token in zip(inbounds, senders, ticket_ids, tokens, strict=True)])
    opened = []
    for m, s, t, token in zip(inbounds, senders, ticket_ids, tokens, strict=True):
        events: list[Event] = [TicketCreated(t, m.channel)]
        publish(session, events)
        opened.append(Opened(t, s.id, token, events))
    return opened


def open_ticket(session: Session, settings: Settings, inbound: InboundMessage) -> Opened:
    (opened,) = open_tickets(session, settings, [inbound])
    return opened


def ingest(
    session: Session, settings: Settings, inbound: InboundMessage
) -> tuple[Ticket, list[Event]]:
    """open_ticket, returning the ticket row for callers that go on working with it."""
    opened = open_ticket(session, settings, inbound)
    ticket = session.get(Ticket, opened.ticket_id)
    assert ticket is not None
    return ticket, opened.events


def _acknowledgement(
    settings: Settings, ticket_id: int, subject: str, sender: Sender, token: str
) -> dict[str, object]:
    """The outbox row of the 'we received your request' mail; the email channel sends it."""
    link = request_link(settings.base_url, token)
    notice = notices.acknowledgement(sender.locale, ticket_id, subject, sender.name, link)
    return outbox_row(ticket_id, None, OutboundKind.acknowledgement, sender.email, notice,
                      new_message_id(settings))
