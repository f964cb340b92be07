"""The outbox: an event recorded for tickets or surveys writes one delivery per switched-on
webhook that wants it, in the event's own transaction, and queues its `deliver_webhook` job
(run as soon as the transaction commits). A rollback takes both with it.

The payload is written now, as the ticket stands in this transaction:

    {"type": "ticket.created", "id": "<event id>", "occurred_at": "...Z",
     "ticket": {"number", "subject", "status", "priority", "channel", "team", "assignee",
                "customer": {"id", "name", "email"}, "created_at", "updated_at", "url"},
     ...}

plus `changes` (ticket.updated: each field's value before and after), `message_id` and
`channel` (customer.replied), `survey` and `previous_rating` (survey.answered). Every webhook
the event goes to gets the same body and `id`; a resend sends it again unchanged."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

from desk.actions.inserts import insert_rows
from desk.actions.jobs import enqueue
from desk.events import CustomerReplied, SurveyAnswered, TicketCreated, TicketSolved, TicketUpdated
from desk.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from desk.models.base import now
from desk.queries.webhooks import subscriptions, survey_facts, ticket_facts

DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
JOB = "deliver_webhook"
EVENT_NAMES: dict[type[Any], str] = {
    TicketCreated: WebhookEvent.ticket_created,
    TicketUpdated: WebhookEvent.ticket_updated,
    TicketSolved: WebhookEvent.ticket_solved,
    CustomerReplied: WebhookEvent.customer_replied,
    SurveyAnswered: WebhookEvent.survey_answered,
}


def record_deliveries(session: Session, events: list[Any]) -> list[int]:
    """A delivery (and its job) per subscribed webhook for each event; their ids."""
    wanted = [(EVENT_NAMES[type(e)], e) for e in events if type(e) in EVENT_NAMES]
    if not wanted:
        return []
    hooks = subscriptions(session)
    matches = [(name, event, [i for i, names in hooks if name in names]) for name, event in wanted]
    matches = [m for m in matches if m[2]]
    if not matches:
        return []
    db = session.info.get("db")
    base_url = db.settings.base_url if db is not None else ""
    tickets = ticket_facts(session, [e.ticket_id for _n, e, _h in matches], base_url)
    surveys = survey_facts(session, [e.survey_id for _n, e, _h in matches if isinstance(e, SurveyAnswered)])
    stamp = now()
    rows: list[dict[str, Any]] = []
    for name, event, hook_ids in matches:
        body: dict[str, Any] = {"type": name, "id": uuid.uuid4().hex, "occurred_at": stamp.isoformat(),
                                "ticket": tickets.get(event.ticket_id)}
        if isinstance(event, TicketUpdated):
            body["changes"] = event.changes
        elif isinstance(event, CustomerReplied):
            body.update(message_id=event.message_id, channel=event.channel)
        elif isinstance(event, SurveyAnswered):
            body.update(survey=surveys.get(event.survey_id), previous_rating=event.previous)
        rows.extend(delivery_row(hook_id, name, body) for hook_id in hook_ids)
    ids = insert_rows(session, DELIVERIES, rows)
    for delivery_id in ids:
        enqueue(session, JOB, delivery_id=delivery_id)
    return ids


def delivery_row(webhook_id: int, event: str, body: dict[str, Any],
                 resent_from_id: int | None = None) -> dict[str, Any]:
    stamp = now()
    return dict(webhook_id=webhook_id, event=event, payload=body, status=DeliveryStatus.pending,
                attempts=0, response_code=None, response_excerpt="", created_at=stamp,
                next_attempt_at=stamp, delivered_at=None, resent_from_id=resent_from_id)
