"""Opening tickets, conversations on them, and changes to them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from channels.message import InboundAttachment
from desk import notices
from desk.actions.attachments import store_attachment
from desk.actions.audit import Actor, record
from desk.actions.inserts import insert_row
from desk.actions.jobs import publish
from desk.actions.tickets.collisions import bump_version
from desk.actions.tickets.fields import merged_fields
from desk.actions.tickets.outbox import outbox_row, queue_sends, thread_headers
from desk.actions.tickets.search_index import add_message_words, set_subject
from desk.events import AgentReplied, Event, TicketSolved, TicketUpdated
from desk.links import request_url
from desk.models import (
    Customer,
    Direction,
    Message,
    OutboundKind,
    Status,
    Ticket,
    TicketTag,
    User,
)
from desk.models.base import now
from desk.models.tables import MESSAGES, OUTBOX
from desk.queries.tickets.queue import ticket_tags
from desk.settings import Settings
from desk.threading_ids import new_message_id


def _add_message(
    session: Session,
    settings: Settings,
    ticket_id: int,
    direction: str,
    text: str,
    *,
    author_user_id: int | None = None,
    author_customer_id: int | None = None,
    html: str = "",
    message_id: str = "",
    attachments: tuple[InboundAttachment, ...] = (),
) -> int:
    """Insert a message (a Core statement: intake runs this for every message)."""
    new_id = insert_row(session, MESSAGES, dict(
        ticket_id=ticket_id, direction=direction, author_user_id=author_user_id,
        author_customer_id=author_customer_id, text=text, html=html,
        message_id=message_id or new_message_id(settings), created_at=now(),
    ))
    for upload in attachments:
        store_attachment(session, settings.attachments_dir, new_id, upload)
    add_message_words(session, [(ticket_id, text)])
    return new_id


def _queue_outbound(
    session: Session, ticket: Ticket, message_id: int | None, kind: str, to_address: str,
    notice: notices.Notice, rfc_message_id: str,
) -> int:
    """The outbox row, threaded under the conversation, queued to be sent (MailQueued)."""
    assert ticket.id is not None
    in_reply_to, references = thread_headers(session, ticket.id, rfc_message_id)
    outbound_id = insert_row(session, OUTBOX, outbox_row(
        ticket.id, message_id, kind, to_address, notice, rfc_message_id,
        in_reply_to=in_reply_to, references=references, mailbox_id=ticket.mailbox_id))
    queue_sends(session, [outbound_id])
    return outbound_id


def add_agent_reply(
    session: Session, settings: Settings, actor: Actor, agent: User, ticket: Ticket,
    text: str, *, internal: bool, attachments: tuple[Any, ...] = (),
) -> tuple[Message, list[Event]]:
    """A public reply (queued for the customer) or an internal note (never sent)."""
    assert ticket.id is not None
    direction = Direction.internal if internal else Direction.outbound
    rfc_id = new_message_id(settings)
    message_id = _add_message(
        session, settings, ticket.id, direction, text, author_user_id=agent.id,
        attachments=attachments, message_id=rfc_id,
    )
    changes: dict[str, Any] = {"message": [None, message_id]}
    outbound_id: int | None = None
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now()
        if ticket.status == Status.new:
            changes["status"] = [ticket.status, Status.open]
            ticket.status = Status.open
        outbound_id = _queue_reply(session, settings, ticket, message_id, rfc_id, text, agent)
    ticket.updated_at = now()
    bump_version(ticket)
    session.add(ticket)
    record(session, actor, "ticket", ticket.id, "note_added" if internal else "replied", changes)
    events: list[Event] = [AgentReplied(ticket.id, message_id, outbound_id, internal)]
    publish(session, events, by=actor.id if actor.type in ("user", "api") else None)
    return _message(session, message_id), events


def _message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    assert message is not None
    return message


def _queue_reply(
    session: Session, settings: Settings, ticket: Ticket, message_id: int, rfc_id: str,
    text: str, agent: User,
) -> int:
    assert ticket.id is not None
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.id is not None
    link = request_url(settings.base_url, settings.secret_key, ticket.id, customer.id)
    notice = notices.reply(customer.locale, ticket.id, ticket.subject, text, agent.name, link)
    return _queue_outbound(session, ticket, message_id, OutboundKind.reply, customer.email,
                           notice, rfc_id)


EDITABLE = ("subject", "status", "priority", "team_id", "assignee_id")


def update_ticket(
    session: Session, actor: Actor, ticket: Ticket, changes: dict[str, Any],
    tags: list[str] | None = None, chain: Sequence[int] = (),
    action: str = "updated", context: dict[str, Any] | None = None,
) -> list[Event]:
    """Apply already-validated field changes and tags; record each one that differs. `chain`:
    the rules whose firings made this change (see TicketUpdated). `action` and `context`: the
    history entry's action and what it says besides the fields (an SLA escalation: its clock).
    `changes["fields"]`: custom field values by key, None clearing one; the others stay (each
    recorded as `fields.<key>`)."""
    assert ticket.id is not None
    diff: dict[str, Any] = {}
    for name in EDITABLE:
        if name in changes and getattr(ticket, name) != changes[name]:
            diff[name] = [getattr(ticket, name), changes[name]]
            setattr(ticket, name, changes[name])
    if changes.get("fields"):
        values = dict(ticket.fields or {})
        for key, value in changes["fields"].items():
            if values.get(key) != value:
                diff[f"fields.{key}"] = [values.get(key), value]
        ticket.fields = merged_fields(values, changes["fields"])  # a new dict: the JSON is written
    if tags is not None:
        current = set(ticket_tags(session, ticket.id))
        wanted = set(tags)
        if current != wanted:
            diff["tags"] = [sorted(current), sorted(wanted)]
            for tag in current - wanted:
                row = session.get(TicketTag, (ticket.id, tag))
                if row is not None:
                    session.delete(row)
            for tag in wanted - current:
                session.add(TicketTag(ticket_id=ticket.id, tag=tag))
    if not diff:
        return []
    if "subject" in diff:
        set_subject(session, ticket.id, ticket.subject)
    if "status" in diff and ticket.status == Status.solved:
        ticket.solved_at = now()
    ticket.updated_at = now()
    bump_version(ticket)
    session.add(ticket)
    record(session, actor, "ticket", ticket.id, action, {**(context or {}), **diff})
    events: list[Event] = [TicketUpdated(ticket.id, diff, list(chain))]
    if "status" in diff and ticket.status == Status.solved:
        events.append(TicketSolved(ticket.id, by_rule=actor.type == "rule"))
    publish(session, events, by=actor.id if actor.type in ("user", "api") else None)
    return events
