"""The tickets API tells what the queue shows (issue 13): each ticket's next SLA due time,
whether a target is breached, and whether the customer is a VIP, in the list and on one
ticket alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.models import Customer, Ticket, User
from desk.models.base import aware
from desk.settings import Settings
from tests.desk.sla.helpers import _run_jobs, arrived, make_policy, ticket_of

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def _both(client: TestClient, headers: dict[str, str], number: int) -> dict[str, object]:
    """The ticket as GET /tickets/{n} shows it, checked to be what the list shows."""
    one = client.get(f"{TICKETS}/{number}", headers=headers).json()
    listed = [t for t in client.get(TICKETS, headers=headers, params={"per_page": 100}).json()["tickets"]
              if t["number"] == number]
    assert listed and all(listed[0][k] == one[k] for k in ("next_due_at", "breached", "vip"))
    return {k: one[k] for k in ("next_due_at", "breached", "vip")}


def test_a_ticket_without_a_policy_has_no_due_time(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User], auth: Auth,
) -> None:
    number = arrived(db, settings, "ann@example.com", "Hello")
    assert _both(client, auth(make_user("agent")), number) == {
        "next_due_at": None, "breached": False, "vip": False}


def test_due_time_breach_and_vip_follow_the_ticket(
    client: TestClient, db: Database, session: Session, settings: Settings,
    make_user: Callable[..., User], auth: Auth,
) -> None:
    headers = auth(make_user("agent"))
    make_policy(session, first=60)
    fresh = arrived(db, settings, "ann@example.com", "Printer jam")
    shown = _both(client, headers, fresh)
    due = datetime.fromisoformat(str(shown["next_due_at"]))  # ISO 8601 in UTC
    assert due.utcoffset() == timedelta(0)
    created = aware(ticket_of(db, fresh).created_at)
    assert abs(due - (created + timedelta(minutes=60))) < timedelta(seconds=2)
    assert (shown["breached"], shown["vip"]) == (False, False)

    late = arrived(db, settings, "bo@example.com", "Site down", minutes_ago=90)  # 30 minutes over
    assert _both(client, headers, late)["breached"] is True
    with db.session() as s:  # pending: the clocks stand, the breach stays until it is settled
        ticket = s.get(Ticket, late)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, {"status": "pending"})
        commit(s)
    _run_jobs(db)
    assert _both(client, headers, late) == {"next_due_at": None, "breached": True, "vip": False}

    with db.session() as s:
        customer = s.exec(select(Customer).where(Customer.email == "ann@example.com")).one()
        customer.tier = "vip"
        s.add(customer)
        commit(s)
    assert _both(client, headers, fresh)["vip"] is True
    assert _both(client, headers, late)["vip"] is False
