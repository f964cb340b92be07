"""A visitor's conversation: started by their widget, written through the one intake.
Each function is one use case and commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from channels.chat import chat_message, visitor_address
from channels.message import InboundAttachment, InboundMessage
from desk.actions.chat.departures import book_sweep
from desk.actions.ingest import Ingested, Placement, ingest
from desk.db import commit
from desk.models import (
    ChatConversation,
    ChatWidget,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from desk.models.base import now
from desk.settings import Settings


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Visitor:
    """Who opens a chat, as their widget told us (the email only if given)."""

    name: str
    email: str
    verified: bool
    locale: str
    page_url: str


def start_conversation(session: Session, widget: ChatWidget, visitor: Visitor
                       ) -> tuple[ChatConversation, str]:
    """A new conversation and the token the visitor's browser keeps to resume it."""
    assert widget.id is not None
    token = secrets.token_urlsafe(24)
    conversation = ChatConversation(
        widget_id=widget.id, token_hash=token_hash(token), name=visitor.name,
        email=visitor.email, verified=visitor.verified, locale=visitor.locale,
        page_url=visitor.page_url, seen_at=now())
    session.add(conversation)
    book_sweep(session)
    commit(session)
    return conversation, token


def resume_elsewhere(session: Session, conversation: ChatConversation) -> str:
    """A signed-in user back from another browser: their conversation, with a new token
    (the old browser's stops working: one open widget per conversation)."""
    token = secrets.token_urlsafe(24)
    conversation.token_hash = token_hash(token)
    conversation.seen_at = now()
    conversation.left_at = None
    session.add(conversation)
    commit(session)
    return token


@dataclass(frozen=True)
class Said:
    """One visitor message waiting for the chat's group commit."""

    conversation_id: int
    ticket_id: int | None  # the conversation's ticket when it was written
    message: InboundMessage
    placement: Placement


def visitor_said(widget: ChatWidget, conversation: ChatConversation, text: str,
                 client_id: str, attachments: tuple[InboundAttachment, ...] = ()) -> Said:
    """The visitor's message as the intake takes it: the first opens the chat's ticket (in
    the widget's team, no acknowledgement), the next add to it, one written after the ticket
    was closed opens a new one that follows it."""
    assert conversation.id is not None
    email = conversation.email or visitor_address(conversation.id)
    return Said(conversation.id, conversation.ticket_id, chat_message(
        conversation_id=conversation.id, ticket_id=conversation.ticket_id, email=email,
        name=conversation.name, text=text, locale=conversation.locale, client_id=client_id,
        attachments=attachments),
        Placement(team_id=widget.team_id, acknowledge=False))


def record_said(session: Session, settings: Settings, batch: list[Said]) -> list[Ingested]:
    """Visitors' messages, written together through the one intake; each conversation
    follows its ticket. The caller commits (the chat's group commit does)."""
    results = ingest(session, settings, [s.message for s in batch], [s.placement for s in batch])
    for said, result in zip(batch, results, strict=True):
        if result.ticket_id is not None and result.ticket_id != said.ticket_id:
            session.execute(update(ChatConversation).where(
                col(ChatConversation.id) == said.conversation_id).values(
                ticket_id=result.ticket_id, customer_id=result.customer_id))
    session.execute(update(ChatConversation).where(
        col(ChatConversation.id).in_({s.conversation_id for s in batch})).values(
        seen_at=now(), left_at=None))
    return results


def visitor_seen(session: Session, conversation_id: int, read_message_id: int | None) -> int:
    """The visitor's page is open (a beat), and has shown the desk's messages up to
    `read_message_id`: those are read, so their mail is not needed (their outbox rows say
    "Read in the chat" at once). Returns how many replies became read, so the agent's
    page is told."""
    values: dict[str, object] = {"seen_at": now(), "left_at": None}
    if read_message_id is not None:
        values["read_message_id"] = read_message_id
    session.execute(update(ChatConversation).where(
        ChatConversation.id == conversation_id).values(**values))  # type: ignore[arg-type]
    read = 0
    if read_message_id is not None:
        ticket_id = session.exec(select(ChatConversation.ticket_id).where(
            ChatConversation.id == conversation_id)).first()
        if ticket_id is not None:
            read = session.execute(update(OutboundMessage).where(
                col(OutboundMessage.ticket_id) == ticket_id,
                col(OutboundMessage.kind) == OutboundKind.reply,
                col(OutboundMessage.status) == OutboundStatus.queued,
                col(OutboundMessage.message_id) <= read_message_id).values(
                status=OutboundStatus.read_in_chat, sent_at=now(), last_error="")
            ).rowcount  # type: ignore[attr-defined]
    commit(session)
    return int(read or 0)


def visitors_still_here(session: Session, conversation_ids: list[int]) -> None:
    """The widgets of these conversations are still open (their streams beat): one
    statement for the lot, not one per beat."""
    if conversation_ids:
        session.execute(update(ChatConversation).where(
            col(ChatConversation.id).in_(conversation_ids),
            col(ChatConversation.left_at).is_(None)).values(seen_at=now()))
        commit(session)


def read_in_chat(session: Session, outbound: OutboundMessage) -> None:
    """A reply the visitor read in the chat is not mailed: marked so on its outbox row."""
    outbound.status = OutboundStatus.read_in_chat
    outbound.sent_at = now()
    outbound.last_error = ""
    session.add(outbound)
    commit(session)
