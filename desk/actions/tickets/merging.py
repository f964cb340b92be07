"""Merging two tickets of one customer, and splitting a message off into a ticket of its own.

Both move messages between tickets; a message's attachments and the mail that carried a
reply (its outbox row) go with it, so a later mail answering any of them threads to where
the message is now. A merged ticket stays, closed, as a pointer (`merged_into_id`) that the
intake follows for a mail that names its number. Each use case commits once and writes
history on both tickets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.jobs import publish
from desk.actions.tickets.collisions import VERSION_PLUS_ONE, bump_version
from desk.actions.tickets.search_index import reindex_tickets
from desk.db import commit
from desk.events import Event, TicketCreated, TicketUpdated
from desk.i18n import _
from desk.models import Message, Status, SurveyStatus, Ticket, TicketTag
from desk.models.base import now
from desk.models.tables import MESSAGES, OUTBOX, SURVEYS, TICKETS
from desk.models.tickets import TicketLink
from desk.queries.tickets.queue import ticket_tags


class MergeError(InputError):
    """A merge, split or link that cannot be done, and why."""


def check_merge(source: Ticket, target: Ticket) -> None:
    """Raise MergeError with the reason when ``source`` may not be merged into ``target``."""
    if source.id == target.id:
        raise MergeError("target", _("A ticket cannot be merged into itself."))
    if source.customer_id != target.customer_id:
        raise MergeError("target", _("Only tickets of the same customer can be merged."))
    if source.merged_into_id is not None:
        raise MergeError("target", _("This ticket was already merged into #%(number)s."),
                         number=str(source.merged_into_id))
    if target.merged_into_id is not None:
        raise MergeError("target", _("Ticket #%(number)s was merged into #%(into)s: merge into "
                                     "that one."),
                         number=str(target.id), into=str(target.merged_into_id))
    if target.status == Status.closed:
        raise MergeError("target", _("Ticket #%(number)s is closed: merge it into this one "
                                     "instead."), number=str(target.id))


def merge_tickets(session: Session, actor: Actor, source: Ticket, target: Ticket) -> int:
    """`merge_into`, committed; returns how many messages moved."""
    moved = merge_into(session, actor, source, target)
    commit(session)
    return moved


def merge_into(session: Session, actor: Actor, source: Ticket, target: Ticket) -> int:
    """Move ``source``'s messages, their mail and its tags into ``target``; ``source`` is
    closed and points to ``target``. Checked (`check_merge`) first, and again on the rows
    themselves: a merge made meanwhile (the other way round, say) raises MergeError, and
    the caller rolls back. In the caller's transaction (bulk merges run one per ticket);
    returns how many messages moved."""
    check_merge(source, target)
    assert source.id is not None and target.id is not None
    before = source.status
    _take(session, source, target)
    connection = session.connection()
    moved = connection.execute(update(MESSAGES).where(MESSAGES.c.ticket_id == source.id)
                               .values(ticket_id=target.id)).rowcount
    connection.execute(update(OUTBOX).where(OUTBOX.c.ticket_id == source.id)
                       .values(ticket_id=target.id))
    # A merged ticket's solve asks the customer nothing: the conversation goes on in the target.
    connection.execute(update(SURVEYS).where(
        SURVEYS.c.ticket_id == source.id, SURVEYS.c.status == SurveyStatus.scheduled,
    ).values(status=SurveyStatus.skipped, skip_reason="ticket_merged"))
    had = set(ticket_tags(session, target.id))
    added = sorted(set(ticket_tags(session, source.id)) - had)
    for tag in added:
        session.add(TicketTag(ticket_id=target.id, tag=tag))
    source_changes: dict[str, Any] = {"merged_into": [None, target.id]}
    if before != Status.closed:
        source_changes["status"] = [before, Status.closed]
    if target.first_response_at is None and source.first_response_at is not None:
        target.first_response_at = source.first_response_at
        session.add(target)
    target_changes: dict[str, Any] = {"merged_from": [None, source.id]}
    if added:
        target_changes["tags"] = [sorted(had), sorted(had | set(added))]
    linked = _move_links(session, source.id, target.id)
    if linked:
        target_changes["links"] = [None, linked]
    record(session, actor, "ticket", source.id, "merged", {**source_changes, "messages": [0, moved]})
    record(session, actor, "ticket", target.id, "merged_in", {**target_changes, "messages": [0, moved]})
    publish(session, [TicketUpdated(source.id, source_changes), TicketUpdated(target.id, target_changes)])
    reindex_tickets(session, [source.id, target.id])  # the words moved with the messages
    return moved


def _move_links(session: Session, source_id: int, target_id: int) -> list[int]:
    """The source's related tickets linked to the target instead (the pointer left behind
    keeps none); returns the tickets newly linked to the target."""
    pairs = list(session.exec(select(TicketLink).where(or_(
        col(TicketLink.ticket_id) == source_id, col(TicketLink.linked_id) == source_id))))
    if not pairs:
        return []
    partners = {p.linked_id if p.ticket_id == source_id else p.ticket_id for p in pairs}
    have = {p.linked_id if p.ticket_id == target_id else p.ticket_id
            for p in session.exec(select(TicketLink).where(or_(
                col(TicketLink.ticket_id) == target_id, col(TicketLink.linked_id) == target_id)))}
    session.execute(delete(TicketLink).where(or_(
        col(TicketLink.ticket_id) == source_id, col(TicketLink.linked_id) == source_id)))
    new = sorted(partners - have - {target_id})
    by = {p.ticket_id if p.linked_id in new else p.linked_id: p.created_by_id for p in pairs}
    for other in new:
        low, high = sorted((target_id, other))
        session.add(TicketLink(ticket_id=low, linked_id=high, created_by_id=by.get(other)))
    return new


def _take(session: Session, source: Ticket, target: Ticket) -> None:
    """Close ``source`` into ``target`` and touch ``target``, each only if still unmerged (and
    the target not closed), rows in number order so that two merges never wait on each other
    in a circle; MergeError when either moved on."""
    assert source.id is not None and target.id is not None
    connection, stamp = session.connection(), now()
    for number in sorted((source.id, target.id)):
        row = TICKETS.c.id == number, TICKETS.c.merged_into_id.is_(None)
        if number == source.id:
            taken = connection.execute(update(TICKETS).where(*row).values(
                status=Status.closed, merged_into_id=target.id, updated_at=stamp,
                version=VERSION_PLUS_ONE)).rowcount
        else:
            taken = connection.execute(update(TICKETS).where(
                *row, TICKETS.c.status != Status.closed).values(
                updated_at=stamp, version=VERSION_PLUS_ONE)).rowcount
        if taken != 1:
            raise MergeError("target", _("One of the tickets was merged or closed meanwhile: "
                                         "open it again."))
    session.refresh(source)
    session.refresh(target)


def split_message(session: Session, actor: Actor, ticket: Ticket, message: Message,
                  subject: str = "") -> Ticket:
    """A new ticket for the same customer, holding ``message`` (with its attachments and
    mail) taken out of ``ticket``; history on both; committed. The ticket keeps at least
    one message."""
    assert ticket.id is not None and message.id is not None
    if message.ticket_id != ticket.id:
        raise MergeError("message", _("That message is not on this ticket."))
    if ticket.merged_into_id is not None:
        raise MergeError("message", _("This ticket was merged into #%(number)s."),
                         number=str(ticket.merged_into_id))
    others = session.exec(select(Message.id).where(
        Message.ticket_id == ticket.id, col(Message.id) != message.id).limit(1)).first()
    if others is None:
        raise MergeError("message", _("The only message of a ticket cannot be split off."))
    subject = " ".join(subject.split())[:300] or ticket.subject
    stamp = now()
    new = Ticket(subject=subject, status=Status.open, priority=ticket.priority,
                 channel=ticket.channel, customer_id=ticket.customer_id, team_id=ticket.team_id,
                 assignee_id=ticket.assignee_id, mailbox_id=ticket.mailbox_id,
                 created_at=stamp, updated_at=stamp)
    session.add(new)
    session.flush()
    assert new.id is not None
    connection = session.connection()
    connection.execute(update(MESSAGES).where(MESSAGES.c.id == message.id).values(ticket_id=new.id))
    connection.execute(update(OUTBOX).where(OUTBOX.c.message_id == message.id)
                       .values(ticket_id=new.id))
    session.expire(message)
    ticket.updated_at = stamp
    bump_version(ticket)
    session.add(ticket)
    record(session, actor, "ticket", new.id, "split_off", {
        "split_from": [None, ticket.id], "subject": [None, subject], "status": [None, new.status]})
    record(session, actor, "ticket", ticket.id, "split", {"split_to": [None, new.id]})
    events: list[Event] = [TicketCreated(new.id, new.channel, new.customer_id),
                           TicketUpdated(ticket.id, {"split_to": [None, new.id]})]
    publish(session, events)
    reindex_tickets(session, [ticket.id, new.id])
    commit(session)
    return new
