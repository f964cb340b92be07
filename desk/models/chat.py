"""Live chat: the widgets site owners embed, and each visitor's conversation (a ticket)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class AskEmail:
    """When the widget asks the visitor for their email address."""

    before = "before"  # before the first message (the default: the chat can go on by mail)
    offline = "offline"  # only when no agent is available
    never = "never"  # never (the conversation cannot continue by mail unless they give one)


ASK_EMAIL = (AskEmail.before, AskEmail.offline, AskEmail.never)


class ChatWidget(SQLModel, table=True):
    """One chat button on one site (or brand), answered by one team."""

    id: int | None = Field(default=None, primary_key=True)
    # The public id in the site's <script> tag (not a secret).
    key: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    # Sites allowed to open chats in this widget's name: one origin per line
    # (https://shop.example.com); a page elsewhere is refused.
    origins: str = Field(default="", sa_type=Text)
    colour: str = Field(default="#2563eb", max_length=20)
    greeting_en: str = Field(default="", max_length=500)
    greeting_zh: str = Field(default="", max_length=500)
    ask_email: str = Field(default=AskEmail.before, max_length=20)
    # Signs visitors' identities (HMAC-SHA256 of their email), encrypted at rest.
    identity_secret: str = Field(default="", sa_type=Text)
    enabled: bool = True
    created_at: datetime = Field(default_factory=now)


class ChatConversation(SQLModel, table=True):
    """A visitor's chat: one ticket, resumed by the same browser (its token) or identity."""

    __table_args__ = (
        Index("ix_chatconversation_ticket", "ticket_id"),
        # The open ones by their last beat: the sweep for visitors gone without a word.
        Index("ix_chatconversation_open", "left_at", "seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    widget_id: int = Field(foreign_key="chatwidget.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # SHA-256 of the visitor's token (the browser keeps the token itself).
    token_hash: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    verified: bool = False  # the site vouched for the email with the widget's secret
    locale: str = Field(default="en", max_length=10)
    page_url: str = Field(default="", max_length=2000)
    started_at: datetime = Field(default_factory=now)
    # The visitor's page said it is open (each beat); "on the page" while recent.
    seen_at: datetime | None = None
    left_at: datetime | None = None
    # The newest of the desk's messages the visitor's widget has shown.
    read_message_id: int | None = None
    # The newest message the last transcript mail held (a new one goes only when the desk
    # wrote since).
    transcript_message_id: int | None = None
