"""Visitors who went without saying so (a killed tab, a lost network: no leave beacon).

A reply written while the visitor is on the page waits to be read there; its send job does
not retry for it (the wait can be long, and retries would run out). Instead the
`sweep_quiet_chats` job, every SWEEP_SECONDS while a chat is open, treats a conversation
whose page has not beaten for QUIET_AFTER as left: the transcript, with the replies not yet
read, goes by mail once, exactly as when the page says goodbye (`visitor_left`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from channels.chat import is_visitor_address
from desk import notices
from desk.actions.inserts import insert_row
from desk.actions.jobs import enqueue
from desk.actions.tickets.outbox import outbox_row, queue_sends, thread_headers
from desk.db import commit
from desk.links import request_url
from desk.models import (
    ChatConversation,
    Customer,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    Ticket,
)
from desk.models.base import aware, now
from desk.models.tables import OUTBOX
from desk.queries.chat import visible_messages
from desk.queries.rules_time import pass_waiting
from desk.settings import Settings
from desk.threading_ids import new_message_id

JOB = "sweep_quiet_chats"
QUIET_AFTER = timedelta(minutes=2)  # pages beat every 20 s: six missed beats
STALE = timedelta(days=1)
SWEEP_SECONDS = 60
BATCH = 200


def visitor_left(session: Session, settings: Settings, conversation_id: int) -> None:
    """The visitor closed the page: the conversation goes on by email. If the desk wrote
    since the last transcript, the chat as it was goes to the address they gave (replies
    they had not read yet are in it, so not mailed again); later replies are mailed."""
    conversation = session.get(ChatConversation, conversation_id)
    if conversation is not None:
        conversation_ended(session, settings, conversation)
    commit(session)


def conversation_ended(session: Session, settings: Settings,
                       conversation: ChatConversation, transcript: bool = True) -> None:
    """What leaving does (the caller commits): the transcript if the desk wrote since the
    last, and a send job again for each reply held while the visitor was on the page that
    the transcript does not carry (no address: the sender says so on the ticket).
    `transcript=False`: only the held replies, each by its own mail."""
    conversation.left_at = now()
    session.add(conversation)
    if transcript:
        _queue_transcript(session, settings, conversation)
    if conversation.ticket_id is not None:
        held = [i for i in session.exec(select(OutboundMessage.id).where(
            OutboundMessage.ticket_id == conversation.ticket_id,
            OutboundMessage.kind == OutboundKind.reply,
            OutboundMessage.status == OutboundStatus.queued)) if i is not None]
        queue_sends(session, held)


def _queue_transcript(session: Session, settings: Settings,
                      conversation: ChatConversation) -> None:
    if conversation.ticket_id is None or not conversation.email or is_visitor_address(
            conversation.email):
        return
    lines = visible_messages(session, conversation.ticket_id)
    since = conversation.transcript_message_id or 0
    if not any(not line.mine and line.id > since for line in lines):
        return
    ticket = session.get(Ticket, conversation.ticket_id)
    customer = session.get(Customer, ticket.customer_id) if ticket else None
    if ticket is None or ticket.id is None or customer is None or customer.id is None:
        return
    waiting = session.exec(select(OutboundMessage).where(
        OutboundMessage.ticket_id == ticket.id, OutboundMessage.kind == OutboundKind.reply,
        OutboundMessage.status == OutboundStatus.queued)).all()
    for row in waiting:
        row.status = OutboundStatus.in_transcript
        session.add(row)
    link = request_url(settings.base_url, settings.secret_key, ticket.id, customer.id)
    notice = notices.chat_transcript(
        conversation.locale, ticket.id, ticket.subject, customer.name,
        [{"author": line.author or conversation.name or customer.name,
          "at": line.at.strftime("%Y-%m-%d %H:%M UTC"), "text": line.text} for line in lines],
        link)
    rfc_id = new_message_id(settings)
    in_reply_to, references = thread_headers(session, ticket.id, rfc_id)
    outbound_id = insert_row(session, OUTBOX, outbox_row(
        ticket.id, None, OutboundKind.transcript, customer.email, notice, rfc_id,
        in_reply_to=in_reply_to, references=references, mailbox_id=ticket.mailbox_id))
    conversation.transcript_message_id = max(line.id for line in lines)
    session.add(conversation)
    queue_sends(session, [outbound_id])


def book_sweep(session: Session, delay: float = SWEEP_SECONDS) -> None:
    """Queue the next sweep unless one waits; the caller commits."""
    if not pass_waiting(session, JOB):
        enqueue(session, JOB, run_at=now() + timedelta(seconds=delay))


def reply_held(session: Session) -> None:
    """A reply waits for the visitor on the page: the sweep is booked, so it is mailed if
    they go without a word; commits."""
    book_sweep(session)
    commit(session)


def sweep_quiet_chats(session: Session, settings: Settings, moment: datetime | None = None) -> int:
    """End the conversations unheard of for QUIET_AFTER (at most BATCH); books the next sweep
    while any conversation is open (at once when this one left some). Commits; returns how
    many ended."""
    moment = moment or now()
    quiet = list(session.exec(select(ChatConversation).where(
        col(ChatConversation.left_at).is_(None), col(ChatConversation.seen_at).is_not(None),
        col(ChatConversation.seen_at) < moment - QUIET_AFTER).order_by(
        col(ChatConversation.id)).limit(BATCH)))
    for conversation in quiet:
        # Quiet for days (chats from before this sweep, or a desk that was down): a
        # transcript now would surprise; only replies never sent go, each on its own.
        recent = conversation.seen_at is not None and aware(conversation.seen_at) >= moment - STALE
        conversation_ended(session, settings, conversation, transcript=recent)
    commit(session)
    still_open = session.exec(select(ChatConversation.id).where(
        col(ChatConversation.left_at).is_(None), col(ChatConversation.seen_at).is_not(None))
        .limit(1)).first()
    if still_open is not None:
        book_sweep(session, 0 if len(quiet) == BATCH else SWEEP_SECONDS)
        commit(session)
    return len(quiet)
