"""SLA clocks on tickets (issue 13): started by the default policy or a rule's, settled by
the first public reply and the solve, standing while pending, moved by a priority change."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.manage import create_rule
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.db import Database, commit
from desk.models import SlaPolicy, Ticket, TicketSla, User
from desk.models.base import aware as _aware
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.actions.test_rules import _mail, _run_jobs

ROUND_THE_CLOCK = json.dumps([[[0, 1440]]] * 7)


def _policy(session: Session, name: str, default: bool, first: int, resolution: int) -> int:
    targets = {"first_response": {p: first for p in ("low", "normal", "high", "urgent")},
               "resolution": {p: resolution for p in ("low", "normal", "high", "urgent")}}
    targets["resolution"]["urgent"] = resolution // 4
    policy = SlaPolicy(name=name, is_default=default, hours=ROUND_THE_CLOCK, targets=json.dumps(targets))
    session.add(policy)
    commit(session)
    assert policy.id is not None
    return policy.id


def _clocks(db: Database, ticket_id: int) -> TicketSla:
    with db.session() as fresh:
        clocks = fresh.get(TicketSla, ticket_id)
        assert clocks is not None
        return clocks


def test_default_policy_starts_the_clocks_and_a_reply_and_a_solve_settle_them(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    _policy(session, "Standard", True, first=60, resolution=480)
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Printer", "It jams"))
    commit(session)
    _run_jobs(db)
    clocks = _clocks(db, ticket.id)
    created = _aware(ticket.created_at)
    assert _aware(clocks.first_response_due_at) - created == timedelta(minutes=60)
    assert _aware(clocks.resolution_due_at) - created == timedelta(minutes=480)

    agent = make_user("agent")
    with db.session() as s:
        row = s.get(Ticket, ticket.id)
        assert row is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, row, "On it", internal=True)
        commit(s)
    _run_jobs(db)
    assert _clocks(db, ticket.id).first_response_met is None  # a note is no answer
    with db.session() as s:
        row = s.get(Ticket, ticket.id)
        assert row is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, row, "Fixed?", internal=False)
        update_ticket(s, SYSTEM, row, {"status": "solved"})
        commit(s)
    _run_jobs(db)
    clocks = _clocks(db, ticket.id)
    assert (clocks.first_response_met, clocks.resolution_met) == (True, True)


def test_pending_stops_the_resolution_clock_and_priority_moves_it(
    db: Database, session: Session, settings: Settings,
) -> None:
    _policy(session, "Standard", True, first=60, resolution=480)
    ticket, _ = ingest_message(session, settings, _mail("bo@example.com", "VPN", "down"))
    commit(session)
    _run_jobs(db)
    due = _aware(_clocks(db, ticket.id).resolution_due_at)
    with db.session() as s:
        row = s.get(Ticket, ticket.id)
        assert row is not None
        update_ticket(s, SYSTEM, row, {"status": "pending"})
        commit(s)
    _run_jobs(db)
    with db.session() as s:  # two hours pass while the customer is asked for something
        clocks = s.get(TicketSla, ticket.id)
        assert clocks is not None and clocks.paused_at is not None
        clocks.paused_at = _aware(clocks.paused_at) - timedelta(hours=2)
        s.add(clocks)
        commit(s)
        row = s.get(Ticket, ticket.id)
        assert row is not None
        update_ticket(s, SYSTEM, row, {"status": "open"})
        commit(s)
    _run_jobs(db)
    moved = _aware(_clocks(db, ticket.id).resolution_due_at)
    assert timedelta(hours=2) <= moved - due < timedelta(hours=2, minutes=1)
    with db.session() as s:
        row = s.get(Ticket, ticket.id)
        assert row is not None
        update_ticket(s, SYSTEM, row, {"priority": "urgent"})
        commit(s)
    _run_jobs(db)
    urgent = _aware(_clocks(db, ticket.id).resolution_due_at)
    # The urgent target (2 h) from creation, plus the two hours it stood: those still don't count.
    assert timedelta(hours=4) <= urgent - _aware(ticket.created_at) < timedelta(hours=4, minutes=1)


def test_a_rule_chooses_the_vip_policy(db: Database, session: Session, settings: Settings) -> None:
    _policy(session, "Standard", True, first=240, resolution=2400)
    vip = _policy(session, "VIP", False, first=30, resolution=240)
    create_rule(session, SYSTEM, {"name": "VIP SLA", "conditions": {"match": "all", "items": [
        {"field": "subject", "op": "contains", "value": "urgent"}]},
        "actions": [{"type": "set_sla", "value": vip}]})
    ticket, _ = ingest_message(session, settings, _mail("cy@example.com", "Urgent: site down", "help"))
    commit(session)
    _run_jobs(db)
    clocks = _clocks(db, ticket.id)
    assert clocks.policy_id == vip
    assert _aware(clocks.first_response_due_at) - _aware(ticket.created_at) == timedelta(minutes=30)
    assert datetime.now(UTC) < _aware(clocks.first_response_due_at)


def test_the_ticket_page_shows_the_due_times_and_what_was_met(
    db: Database, session: Session, settings: Settings, client: TestClient,
    make_user: Callable[..., User],
) -> None:
    _policy(session, "Standard", True, first=60, resolution=480)
    ticket, _ = ingest_message(session, settings, _mail("di@example.com", "Login", "cannot sign in"))
    commit(session)
    _run_jobs(db)
    sign_in(client, make_user("admin"))
    page = client.get(f"/agent/tickets/{ticket.id}")
    assert page.status_code == 200
    assert 'data-sla-policy="Standard"' in page.text
    due = _aware(_clocks(db, ticket.id).first_response_due_at)
    assert due.strftime("%Y-%m-%d %H:%M") in page.text and "breached" not in page.text
