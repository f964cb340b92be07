"""Which open pages an event concerns: pure, JSON only."""

from __future__ import annotations

from typing import Any

from desk.events import AgentReplied, CustomerReplied, Event, TicketCreated, TicketUpdated

QUEUE = "queue"  # every queue and board page listens here
AVAILABILITY = "availability"  # every open chat widget listens here: an agent came or went
CHANNEL = "desk_live"  # PostgreSQL's NOTIFY channel
MAX_PAYLOAD = 7000  # bytes per NOTIFY (PostgreSQL's limit is 8000)

Notice = dict[str, Any]


def ticket_topic(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def _changes(changes: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {name: ["" if v is None else str(v) for v in pair] for name, pair in changes.items()}


def notices_of(event: Event, actor_id: int | None = None) -> list[Notice]:
    """The notices an event sends: the ticket's page and the queues."""
    if isinstance(event, TicketCreated):
        return [{"topic": QUEUE, "kind": "created", "ticket": event.ticket_id}]
    if isinstance(event, CustomerReplied):
        return [{"topic": ticket_topic(event.ticket_id), "kind": "message",
                 "ticket": event.ticket_id, "by": None},
                {"topic": QUEUE, "kind": "message", "ticket": event.ticket_id}]
    if isinstance(event, AgentReplied):
        page: Notice = {"topic": ticket_topic(event.ticket_id), "kind": "message",
                        "ticket": event.ticket_id, "by": actor_id, "internal": event.internal}
        return [page, {"topic": QUEUE, "kind": "message", "ticket": event.ticket_id}]
    if isinstance(event, TicketUpdated):
        return [{"topic": ticket_topic(event.ticket_id), "kind": "updated",
                 "ticket": event.ticket_id, "by": actor_id, "changes": _changes(event.changes)},
                {"topic": QUEUE, "kind": "updated", "ticket": event.ticket_id}]
    return []


def availability_changed() -> Notice:
    """An agent set themselves available or away; `at` (wall time) lets the widgets' streams
    reuse a fresh answer to "is anyone there?" instead of each asking the database."""
    import time

    return {"topic": AVAILABILITY, "kind": "availability", "at": time.time()}


def batches(notices: list[Notice]) -> list[list[Notice]]:
    """Notices grouped so each group's JSON fits one NOTIFY; a notice too large on its own
    loses its details (the page reloads what changed anyway)."""
    import json

    groups: list[list[Notice]] = []
    current: list[Notice] = []
    size = 2
    for notice in notices:
        # json.dumps separates list items with ", ": two bytes each.
        length = len(json.dumps(notice, ensure_ascii=False).encode()) + 2
        if length > MAX_PAYLOAD:
            notice = {k: v for k, v in notice.items() if k in ("topic", "kind", "ticket", "by")}
            length = len(json.dumps(notice).encode()) + 2
        if current and size + length > MAX_PAYLOAD:
            groups.append(current)
            current, size = [], 2
        current.append(notice)
        size += length
    if current:
        groups.append(current)
    return groups
