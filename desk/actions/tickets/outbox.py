"""Rows of the outbox: mail waiting for the email channel to send it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from channels.email.compose import cap_references
from desk.actions.audit import Actor, record
from desk.actions.jobs import MAX_ATTEMPTS, publish
from desk.events import MailQueued
from desk.models import Direction, Message, OutboundKind, OutboundMessage, OutboundStatus
from desk.models.base import now
from desk.models.tables import MAILBOXES
from desk.notices import Notice

# How often the sender tries one mail before it is marked failed.
SEND_ATTEMPTS = MAX_ATTEMPTS["send_mail"]


def outbox_row(ticket_id: int, message_id: int | None, kind: str, to_address: str,
               notice: Notice, rfc_message_id: str, *, in_reply_to: str = "",
               references: str = "", mailbox_id: int | None = None) -> dict[str, Any]:
    """The values of a queued outbound mail, for a Core insert. `in_reply_to`/`references`:
    the threading headers it will carry (see `thread_headers`)."""
    stamp = now()
    return dict(
        ticket_id=ticket_id, message_id=message_id, kind=kind, to_address=to_address,
        subject=notice.subject, body_text=notice.text, rfc_message_id=rfc_message_id,
        in_reply_to=in_reply_to, references=references, mailbox_id=mailbox_id,
        status=OutboundStatus.queued, attempts=0, last_error="", next_attempt_at=stamp,
        created_at=stamp,
    )


def thread_headers(session: Session, ticket_id: int, own: str = "") -> tuple[str, str]:
    """In-Reply-To and References for a new mail on a ticket: the customer's latest
    Message-ID, and the chain of every Message-ID the conversation had (messages in and
    out, acknowledgements; `own`, the new mail's Message-ID, left out), capped. Clients
    thread our mail under theirs by these, and their answers name ours, which is how
    intake finds the ticket again."""
    in_reply_to, chain = threads_of(session, [ticket_id]).get(ticket_id, ("", []))
    return in_reply_to, " ".join(cap_references([mid for mid in chain if mid != own]))


def threads_of(session: Session, ticket_ids: Sequence[int]) -> dict[int, tuple[str, list[str]]]:
    """`thread_headers`' reading for many tickets in two statements: per ticket, the
    customer's latest Message-ID and every Message-ID of the conversation, oldest first."""
    dated: dict[int, list[tuple[datetime, int, int, str]]] = {}
    in_reply_to: dict[int, str] = {}
    for ticket_id, row_id, stamp, mid, direction in session.execute(
            core_select(col(Message.ticket_id), col(Message.id), col(Message.created_at),
                        col(Message.message_id), col(Message.direction))
            .where(col(Message.ticket_id).in_(ticket_ids), col(Message.direction) != Direction.internal)
            .order_by(col(Message.id))):
        dated.setdefault(ticket_id, []).append((stamp, 0, row_id or 0, mid))
        if direction == Direction.inbound:
            in_reply_to[ticket_id] = mid
    for ticket_id, row_id, stamp, mid in session.exec(
            select(OutboundMessage.ticket_id, OutboundMessage.id, OutboundMessage.created_at,
                   OutboundMessage.rfc_message_id)
            .where(col(OutboundMessage.ticket_id).in_(ticket_ids),
                   OutboundMessage.kind != OutboundKind.reply)  # replies are messages too
            .order_by(col(OutboundMessage.id))):
        dated.setdefault(ticket_id, []).append((stamp, 1, row_id or 0, mid))
    return {ticket_id: (in_reply_to.get(ticket_id, ""),
                        [mid for _s, _k, _i, mid in sorted(rows, key=lambda d: (d[0], d[1], d[2]))])
            for ticket_id, rows in dated.items()}


# Built once: the intake asks it for every batch of new tickets.
_CAN_SEND = core_select(MAILBOXES.c.id).where(
    MAILBOXES.c.enabled.is_(True), MAILBOXES.c.smtp_host != "").limit(1)


def can_send(session: Session) -> bool:
    """Whether any mailbox can send mail; a desk without one keeps its outbox queued."""
    return session.connection().execute(_CAN_SEND).first() is not None


def queue_sends(session: Session, outbound_ids: Sequence[int]) -> None:
    """Each row waits to be sent: MailQueued recorded in the caller's transaction."""
    publish(session, [MailQueued(outbound_id) for outbound_id in outbound_ids])


def queue_waiting(session: Session) -> int:
    """Jobs for every queued row, e.g. once the first mailbox that can send is added.
    Safe with rows that have a job already: the sender claims a row before sending."""
    ids = [i for i in session.exec(select(OutboundMessage.id).where(
        OutboundMessage.status == OutboundStatus.queued)) if i is not None]
    queue_sends(session, ids)
    return len(ids)


def resend(session: Session, actor: Actor, outbound: OutboundMessage) -> bool:
    """Queue a failed mail again with a fresh set of attempts; False if it had not failed."""
    if outbound.status != OutboundStatus.failed or outbound.id is None:
        return False
    error = outbound.last_error
    outbound.status = OutboundStatus.queued
    outbound.attempts = 0
    outbound.last_error = ""
    outbound.next_attempt_at = now()
    session.add(outbound)
    session.flush()
    record(session, actor, "ticket", outbound.ticket_id, "resent",
           {"outbound": [None, outbound.id], "error": [error, None]})
    queue_sends(session, [outbound.id])
    return True

