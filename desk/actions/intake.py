"""Intake: the single entrance for customers' new requests, from every channel.

Batch-first: ``open_tickets`` takes many messages and writes each table with one
statement, which is what makes the web form under load and mail imports fast.
One message is a batch of one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from channels.message import InboundMessage
from desk import notices
from desk.actions.attachments import store_attachments
from desk.actions.audit import SYSTEM, Actor, audit_row
from desk.actions.customers.identities import Contact, Sender, identify_senders
from desk.actions.inserts import insert_many, insert_rows
from desk.actions.jobs import publish
from desk.actions.tables import AUDIT, MESSAGES, OUTBOX, TICKETS
from desk.actions.tickets.outbox import can_send, outbox_row, queue_sends
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
class Placement:
    """Where a new request lands and whether it is acknowledged; set by the channel
    (a mailbox's team and acknowledgement settings), defaults for the web form and API."""

    mailbox_id: int | None = None
    team_id: int | None = None
    follows_id: int | None = None  # the closed ticket this request continues
    acknowledge: bool = True
    # At most this many acknowledgements per sender address per hour (None: no limit).
    ack_per_hour: int | None = None
    # A mailbox's own template; "" uses the localised default. Placeholders:
    # {number} {subject} {name} {link}.
    ack_subject: str = ""
    ack_body: str = ""


DEFAULT_PLACEMENT = Placement()

_ACKS_SINCE = core_select(OUTBOX.c.to_address, func.count()).where(
    OUTBOX.c.to_address.in_(bindparam("addresses", expanding=True)),
    OUTBOX.c.kind == OutboundKind.acknowledgement,
    OUTBOX.c.created_at >= bindparam("since"),
).group_by(OUTBOX.c.to_address)


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    customer_id: int
    # The signed token of the customer's private page for this request.
    token: str
    events: list[Event]


def open_tickets(
    session: Session, settings: Settings, inbounds: Sequence[InboundMessage],
    placements: Sequence[Placement] | None = None,
) -> list[Opened]:
    """A ticket for each message, with its customer, first message, audit row and
    acknowledgement in the outbox; in the caller's transaction, in order.

    `placements` (one per message) say which mailbox and team a ticket belongs to and
    how it is acknowledged; without them every ticket is unrouted and acknowledged."""
    if not inbounds:
        return []
    places = list(placements) if placements is not None else [DEFAULT_PLACEMENT] * len(inbounds)
    senders = identify_senders(session, SYSTEM, [
        Contact(m.from_address, m.from_name, m.channel, m.locale) for m in inbounds])
    stamp = now()
    ticket_ids = insert_rows(session, TICKETS, [dict(
        subject=m.subject[:300], status=Status.new, priority=Priority.normal, channel=m.channel,
        customer_id=s.id, team_id=p.team_id, mailbox_id=p.mailbox_id, follows_id=p.follows_id,
        created_at=stamp, updated_at=stamp,
    ) for m, s, p in zip(inbounds, senders, places, strict=True)])
    rfc_ids = [m.message_id or new_message_id(settings) for m in inbounds]
    message_ids = insert_rows(session, MESSAGES, [dict(
        ticket_id=t, direction=Direction.inbound, author_user_id=None, author_customer_id=s.id,
        text=m.text, html=m.html, message_id=rfc_id, created_at=stamp,
    ) for m, s, t, rfc_id in zip(inbounds, senders, ticket_ids, rfc_ids, strict=True)])
    store_attachments(session, settings.attachments_dir, [
        (message_id, upload) for m, message_id in zip(inbounds, message_ids, strict=True)
        for upload in m.attachments])
    insert_many(session, AUDIT, [
        audit_row(Actor("customer", s.id, s.name), "ticket", t, "created", _created(m, p))
        for m, s, t, p in zip(inbounds, senders, ticket_ids, places, strict=True)])
    tokens = [request_token(settings.secret_key, t, s.id)
              for s, t in zip(senders, ticket_ids, strict=True)]
    wanted = _to_acknowledge(session, inbounds, senders, places)
    acks = [_acknowledgement(settings, t, m.subject[:300], s, token, p, rfc_id)
            for m, s, t, token, p, rfc_id, ack
            in zip(inbounds, senders, ticket_ids, tokens, places, rfc_ids, wanted, strict=True)
            if ack]
    if acks:
        ack_ids = insert_rows(session, OUTBOX, acks)
        if can_send(session):  # one look per batch: a desk without SMTP keeps them queued
            queue_sends(session, ack_ids)
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


def _created(m: InboundMessage, p: Placement) -> dict[str, list[object]]:
    change: dict[str, list[object]] = {"subject": [None, m.subject[:300]],
                                       "channel": [None, m.channel]}
    if p.team_id is not None:
        change["team_id"] = [None, p.team_id]
    if p.follows_id is not None:
        change["follows_id"] = [None, p.follows_id]
    return change


def _to_acknowledge(session: Session, inbounds: Sequence[InboundMessage],
                    senders: Sequence[Sender], places: Sequence[Placement]) -> list[bool]:
    """Which requests get a 'we received it' mail: never an auto-reply, bulk mail or a
    bounce (mail loops), never beyond a mailbox's hourly limit per sender (this batch
    counted too), never when the mailbox does not acknowledge."""
    limited = sorted({s.email for s, p in zip(senders, places, strict=True)
                      if p.acknowledge and p.ack_per_hour is not None})
    sent: dict[str, int] = {}
    if limited:
        since = now() - timedelta(hours=1)
        sent = {address: count for address, count in session.connection().execute(
            _ACKS_SINCE, {"addresses": limited, "since": since})}
    wanted = []
    for m, s, p in zip(inbounds, senders, places, strict=True):
        ok = p.acknowledge and m.classification == "normal" and bool(s.email)
        if ok and p.ack_per_hour is not None:
            ok = sent.get(s.email, 0) < p.ack_per_hour
            if ok:
                sent[s.email] = sent.get(s.email, 0) + 1
        wanted.append(ok)
    return wanted


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: _Blank, default: str) -> str:
    """A mailbox's template with its placeholders filled; the default when it has none
    or is malformed (a stray brace must not stop mail from coming in)."""
    if not template:
        return default
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        return default


def _acknowledgement(
    settings: Settings, ticket_id: int, subject: str, sender: Sender, token: str,
    place: Placement, in_reply_to: str,
) -> dict[str, object]:
    """The outbox row of the 'we received your request' mail; the email channel sends it."""
    link = request_link(settings.base_url, token)
    notice = notices.acknowledgement(sender.locale, ticket_id, subject, sender.name, link)
    if place.ack_subject or place.ack_body:
        values = _Blank(number=str(ticket_id), subject=subject, name=sender.name, link=link)
        notice = notices.Notice(subject=_fill(place.ack_subject, values, notice.subject)[:400],
                                text=_fill(place.ack_body, values, notice.text))
    row = outbox_row(ticket_id, None, OutboundKind.acknowledgement, sender.email, notice,
                     new_message_id(settings))
    row.update(in_reply_to=in_reply_to, references=in_reply_to, mailbox_id=place.mailbox_id)
    return row
