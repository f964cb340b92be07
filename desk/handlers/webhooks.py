"""Webhooks hear of tickets and surveys: each event writes a delivery per subscribed webhook
in its own transaction (the outbox), whose `deliver_webhook` job POSTs it after the commit."""

from __future__ import annotations

from typing import Any

from desk.events import records


@records
def record_webhook_deliveries(session: Any, events: list[Any]) -> None:
    from desk.actions.webhooks.outbox import record_deliveries

    record_deliveries(session, events)
