"""Webhooks: a URL subscribed to events, and each delivery of an event to it (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class WebhookEvent:
    """The events a webhook can subscribe to (the `X-Desk-Event` header)."""

    ticket_created = "ticket.created"
    ticket_updated = "ticket.updated"
    ticket_solved = "ticket.solved"
    customer_replied = "customer.replied"
    survey_answered = "survey.answered"
    test = "webhook.test"  # sent by the admin's "send test event", whatever is subscribed


WEBHOOK_EVENTS = (WebhookEvent.ticket_created, WebhookEvent.ticket_updated,
                  WebhookEvent.ticket_solved, WebhookEvent.customer_replied,
                  WebhookEvent.survey_answered)


class DeliveryStatus:
    pending = "pending"  # waiting for its first or next attempt
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # every attempt failed, or the address was refused


class Webhook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=200)
    url: str = Field(max_length=2000)
    # The subscribed event names (WEBHOOK_EVENTS).
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    # Signs every payload (HMAC-SHA256), encrypted at rest (desk.secrets).
    secret: str = Field(default="", sa_type=Text)
    active: bool = True
    # Set by an admin: the URL may point into a private network (loopback, 10/8...).
    allow_private: bool = False
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: its payload, attempts and the receiver's last answer."""

    __table_args__ = (
        Index("ix_webhookdelivery_webhook", "webhook_id", "id"),
        Index("ix_webhookdelivery_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id")
    event: str = Field(max_length=40)
    # The body as sent (JSON): the same for every webhook the event went to.
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=DeliveryStatus.pending, max_length=12)
    attempts: int = 0
    response_code: int | None = None
    # The start of the receiver's answer, or why no answer came.
    response_excerpt: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=now)
    next_attempt_at: datetime = Field(default_factory=now)
    delivered_at: datetime | None = None
    # The delivery this one sends again (an admin's "Resend").
    resent_from_id: int | None = None
