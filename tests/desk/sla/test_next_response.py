"""The next-response clock (issue 13): a customer's message after the desk's public reply starts
it, the next public reply settles it; it stands while the ticket is pending, moves with the
priority, is half as long for VIP customers, and shows on the ticket page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import add_customer_reply
from desk.actions.sla.clocks import start_clocks
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.db import Database, commit
from desk.models import Customer, SlaResult, Ticket, TicketSla, User
from desk.models.base import aware, now
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.sla.helpers import _run_jobs, arrived, clocks_of, make_policy, ticket_of


def _reply(db: Database, settings: Settings, agent: User, ticket_id: int, text: str = "Hello",
           internal: bool = False) -> None:
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, ticket, text, internal=internal)
        commit(s)
    _run_jobs(db)


def _customer_writes(db: Database, settings: Settings, ticket_id: int) -> None:
    """The customer writes again from the ticket's private page (through the intake)."""
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        customer = s.get(Customer, ticket.customer_id)
        assert customer is not None
        add_customer_reply(s, settings, ticket, customer, "Still broken")
        commit(s)
    _run_jobs(db)


def _set(db: Database, ticket_id: int, **changes: str) -> None:
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, dict(changes))
        commit(s)
    _run_jobs(db)


def test_a_customer_message_after_a_reply_starts_the_next_response_and_the_next_reply_settles_it(
    db: Database, session, settings: Settings, make_user: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    make_policy(session, next_=120)
    agent = make_user("agent")
    number = arrived(db, settings, "nia@example.com", "Printer")
    _customer_writes(db, settings, number)
    assert clocks_of(db, number).next_response_started_at is None  # nobody answered yet
    _reply(db, settings, agent, number)
    clocks = clocks_of(db, number)
    assert clocks.first_response_met is True and clocks.next_response_started_at is None
    _customer_writes(db, settings, number)
    clocks = clocks_of(db, number)
    assert clocks.next_response_started_at is not None and clocks.next_response_due_at is not None
    due = aware(clocks.next_response_due_at)
    assert due - aware(clocks.next_response_started_at) == timedelta(minutes=120)
    assert ticket_of(db, number).next_due_at is not None
    next_due = aware(ticket_of(db, number).next_due_at)
    assert abs(next_due - due) < timedelta(seconds=1)  # sooner than the resolution
    _customer_writes(db, settings, number)  # a second message: still the first one's clock
    assert aware(clocks_of(db, number).next_response_due_at) == due
    _reply(db, settings, agent, number, "a note", internal=True)
    assert clocks_of(db, number).next_response_started_at is not None  # a note answers nobody
    _reply(db, settings, agent, number, "Fixed now")
    clocks = clocks_of(db, number)
    assert clocks.next_response_started_at is None and clocks.next_response_met is True
    with db.session() as s:
        kinds = sorted(r.kind for r in s.exec(select(SlaResult).where(SlaResult.ticket_id == number)))
        assert kinds == ["first_response", "next_response"]
        assert all(r.breached_at is None and r.settled_at is not None
                   for r in s.exec(select(SlaResult)))


def test_the_next_response_stands_while_pending_and_moves_with_the_priority(
    db: Database, session, settings: Settings, make_user: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    make_policy(session, next_=120)
    agent = make_user("agent")
    number = arrived(db, settings, "ole@example.com", "VPN")
    _reply(db, settings, agent, number)
    _customer_writes(db, settings, number)
    due = aware(clocks_of(db, number).next_response_due_at)
    _set(db, number, status="on_hold")
    clocks = clocks_of(db, number)
    assert clocks.paused_at is not None and ticket_of(db, number).next_due_at is None
    with db.session() as s:  # an hour on hold
        s.execute(update(TicketSla).where(col(TicketSla.ticket_id) == number)
                  .values(paused_at=now() - timedelta(hours=1)))
        commit(s)
    _set(db, number, status="open")
    moved = aware(clocks_of(db, number).next_response_due_at)
    assert timedelta(hours=1) <= moved - due < timedelta(hours=1, minutes=1)
    _set(db, number, priority="urgent")  # a quarter of 120 minutes, plus the hour it stood
    clocks = clocks_of(db, number)
    started = aware(clocks.next_response_started_at)
    assert timedelta(minutes=90) <= aware(clocks.next_response_due_at) - started < timedelta(minutes=91)


def test_vip_customers_get_half_of_the_next_response_target(
    db: Database, session, settings: Settings, make_user: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    make_policy(session, next_=120)
    agent = make_user("agent")
    number = arrived(db, settings, "vip@example.com", "Invoice")
    with db.session() as s:
        customer = s.get(Customer, ticket_of(db, number).customer_id)
        assert customer is not None
        customer.tier = "vip"
        s.add(customer)
        commit(s)
    _reply(db, settings, agent, number)
    _customer_writes(db, settings, number)
    clocks = clocks_of(db, number)
    started = aware(clocks.next_response_started_at)
    assert aware(clocks.next_response_due_at) - started == timedelta(minutes=60)


def test_the_ticket_page_shows_the_next_response_and_its_time_left(
    db: Database, session, settings: Settings, client: TestClient,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    make_policy(session, next_=120)
    agent = make_user("agent")
    number = arrived(db, settings, "pia@example.com", "Login")
    _reply(db, settings, agent, number)
    _customer_writes(db, settings, number)
    sign_in(client, make_user("admin"))
    page = client.get(f"/agent/tickets/{number}").text
    clock = page.split('data-clock="next_response"', 1)[1].split("</span>", 1)[0]
    assert "next response" in clock and "(in 1 h)" in clock and "due-ok" in page
    first = page.split('data-clock="first_response"', 1)[1].split("</span>", 1)[0]
    assert "(met)" in first


def test_a_policy_given_to_a_waiting_or_answered_ticket_starts_standing_or_settled(
    db: Database, session, settings: Settings, make_user: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    """A rule may set the policy later (on a reply, on the scheduled pass): a ticket on hold
    gets standing clocks, an answered one a settled first response."""
    agent = make_user("agent")
    number = arrived(db, settings, "ray@example.com", "Export")  # no policy yet: no clocks
    _reply(db, settings, agent, number)
    _set(db, number, status="on_hold")
    policy = make_policy(session, first=60, default=False)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        start_clocks(s, ticket, policy)
        commit(s)
    clocks = clocks_of(db, number)
    assert clocks.paused_at is not None and clocks.first_response_met is True
    assert ticket_of(db, number).next_due_at is None
