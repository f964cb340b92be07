"""Reads of webhooks: the list, one webhook, its delivery log, who is subscribed, and the
facts of a ticket or survey as a webhook's payload shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from desk.models import Customer, DeliveryStatus, Survey, Team, Ticket, User, Webhook, WebhookDelivery
from desk.models.base import now

LOG_PAGE = 50


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.exec(select(Webhook).order_by(col(Webhook.id))))


def get_webhook(session: Session, webhook_id: int) -> Webhook | None:
    return session.get(Webhook, webhook_id) if 0 < webhook_id < 2**31 else None


def get_delivery(session: Session, webhook_id: int, delivery_id: int) -> WebhookDelivery | None:
    delivery = session.get(WebhookDelivery, delivery_id) if 0 < delivery_id < 2**31 else None
    return delivery if delivery is not None and delivery.webhook_id == webhook_id else None


def due_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    """The delivery if it waits for an attempt that is due now."""
    return session.exec(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.pending,
        col(WebhookDelivery.next_attempt_at) <= now())).first()


def list_deliveries(session: Session, webhook_id: int, before: int | None = None,
                    limit: int = LOG_PAGE) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first (`before`: ids below it, for the next page)."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if before is not None:
        query = query.where(col(WebhookDelivery.id) < before)
    return list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit)))


def subscriptions(session: Session) -> list[tuple[int, list[str]]]:
    """The switched-on webhooks: (id, the events each wants)."""
    rows = session.exec(select(Webhook.id, Webhook.events).where(col(Webhook.active).is_(True)))
    return [(i, list(events or [])) for i, events in rows if i is not None]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def ticket_facts(session: Session, ticket_ids: list[int], base_url: str) -> dict[int, dict[str, Any]]:
    """The ticket part of a payload, by ticket id (one query for all of them)."""
    if not ticket_ids:
        return {}
    assignee = aliased(User)
    rows = session.exec(
        select(Ticket, Customer, Team, assignee)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .outerjoin(Team, col(Team.id) == col(Ticket.team_id))
        .outerjoin(assignee, col(assignee.id) == col(Ticket.assignee_id))
        .where(col(Ticket.id).in_(sorted(set(ticket_ids))))
    )
    facts: dict[int, dict[str, Any]] = {}
    for ticket, customer, team, agent in rows:
        assert ticket.id is not None
        facts[ticket.id] = {
            "number": ticket.id, "subject": ticket.subject, "status": ticket.status,
            "priority": ticket.priority, "channel": ticket.channel,
            "team": {"id": team.id, "name": team.name} if team else None,
            "assignee": {"id": agent.id, "name": agent.name, "email": agent.email} if agent else None,
            "customer": {"id": customer.id, "name": customer.name, "email": customer.email},
            "created_at": _iso(ticket.created_at), "updated_at": _iso(ticket.updated_at),
            "url": f"{base_url}/agent/tickets/{ticket.id}",
        }
    return facts


def survey_facts(session: Session, survey_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The survey part of a payload, by survey id."""
    if not survey_ids:
        return {}
    rows = session.exec(select(Survey).where(col(Survey.id).in_(sorted(set(survey_ids)))))
    return {s.id: {"id": s.id, "rating": s.rating, "comment": s.comment,
                   "answered_at": _iso(s.answered_at)} for s in rows if s.id is not None}
