"""Live chat's reads: widgets by their public key, conversations by their token, what the
visitor may see, and whether a chat reply still needs its mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session, col, select

from channels.chat import is_visitor_address
from desk.models import (
    ChatConversation,
    ChatWidget,
    Direction,
    Message,
    OutboundMessage,
    StaffSession,
    TeamMembership,
    Ticket,
    User,
)
from desk.models.base import aware, now
from desk.queries.duty import available_ids

# A visitor whose page beat this recently is on the page (pages beat every 20 s).
ON_PAGE = timedelta(seconds=60)
# An agent seen this recently (any page, the live stream beats) is available to chat.
AGENT_ONLINE = timedelta(minutes=5)


def widget_by_key(session: Session, key: str) -> ChatWidget | None:
    if not key or len(key) > 40:
        return None
    return session.exec(select(ChatWidget).where(ChatWidget.key == key)).first()


def widgets(session: Session) -> list[ChatWidget]:
    return list(session.exec(select(ChatWidget).order_by(col(ChatWidget.id))))


def conversation_by_token(session: Session, widget_id: int, hashed: str
                          ) -> ChatConversation | None:
    return session.exec(select(ChatConversation).where(
        ChatConversation.token_hash == hashed, ChatConversation.widget_id == widget_id)).first()


def verified_conversation(session: Session, widget_id: int, email: str
                          ) -> ChatConversation | None:
    """The latest conversation a site vouched was `email`'s, on a ticket not yet closed."""
    return session.exec(select(ChatConversation).join(
        Ticket, col(Ticket.id) == ChatConversation.ticket_id).where(
        ChatConversation.widget_id == widget_id, ChatConversation.email == email,
        col(ChatConversation.verified).is_(True), Ticket.status != "closed").order_by(
        col(ChatConversation.id).desc())).first()


def conversation_of_ticket(session: Session, ticket_id: int) -> ChatConversation | None:
    return session.exec(select(ChatConversation).where(
        ChatConversation.ticket_id == ticket_id).order_by(
        col(ChatConversation.id).desc())).first()


def live_chats(session: Session, ticket_ids: list[int]) -> set[int]:
    """Which of these tickets are chats whose visitor is on the page now."""
    if not ticket_ids:
        return set()
    since = now() - ON_PAGE
    rows = session.exec(select(ChatConversation.ticket_id).where(
        col(ChatConversation.ticket_id).in_(ticket_ids), col(ChatConversation.left_at).is_(None),
        col(ChatConversation.seen_at) >= since))
    return {ticket_id for ticket_id in rows if ticket_id is not None}


def on_page(conversation: ChatConversation, at: datetime | None = None) -> bool:
    if conversation.seen_at is None or conversation.left_at is not None:
        return False
    return (at or now()) - aware(conversation.seen_at) < ON_PAGE


@dataclass(frozen=True)
class ChatLine:
    id: int
    mine: bool  # written by the visitor
    author: str
    text: str
    at: datetime


def visible_messages(session: Session, ticket_id: int, after_id: int = 0,
                     limit: int = 200) -> list[ChatLine]:
    """The conversation as the visitor sees it: theirs and the desk's public replies (never
    internal notes), oldest first, after message `after_id`."""
    rows = session.exec(select(Message, User.name).join(
        User, col(User.id) == col(Message.author_user_id), isouter=True).where(
        Message.ticket_id == ticket_id, col(Message.id) > after_id,
        col(Message.direction).in_((Direction.inbound, Direction.outbound))).order_by(
        col(Message.id)).limit(limit))
    return [ChatLine(m.id or 0, m.direction == Direction.inbound, name or "", m.text,
                     aware(m.created_at)) for m, name in rows]


def agents_online(session: Session, team_id: int | None) -> bool:
    """Someone who can answer (of the widget's team, if it has one) is signed in, was active
    lately and is available (not away, not off, inside their working hours: desk.queries.duty):
    the widget offers chat now, else "leave a message"."""
    since = now() - AGENT_ONLINE
    query = select(User.id).join(StaffSession, col(User.id) == StaffSession.user_id).where(
        col(StaffSession.ended_at).is_(None), col(StaffSession.last_seen_at) >= since,
        col(User.is_active).is_(True), User.availability == "available")
    if team_id is not None:
        query = query.join(TeamMembership, col(TeamMembership.user_id) == col(User.id)).where(
            TeamMembership.team_id == team_id)
    return bool(available_ids(session, [i for i in session.exec(query.distinct()) if i is not None]))


Hold = Literal["mail", "read", "wait", "no_address"]


def chat_reply_hold(session: Session, outbound: OutboundMessage) -> Hold:
    """What a reply on a chat ticket needs before it is mailed: nothing ("mail": not a
    chat, or the visitor left without reading it); "read": the visitor read it in the chat;
    "wait": the visitor is on the page and will see it; "no_address": gone, and no address
    to mail it to."""
    if outbound.message_id is None:
        return "mail"
    ticket = session.get(Ticket, outbound.ticket_id)
    if ticket is None or ticket.channel != "chat":
        return "mail"
    conversation = conversation_of_ticket(session, ticket.id or 0)
    if conversation is None:
        return "mail"
    if (conversation.read_message_id or 0) >= outbound.message_id:
        return "read"
    if on_page(conversation):
        return "wait"
    return "no_address" if is_visitor_address(outbound.to_address) else "mail"
