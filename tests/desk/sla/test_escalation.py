"""Warnings before an SLA breach and escalation at it (issue 13): job rows due at their time,
run by the job runner after a restart too; a clock that moved since (priority, pause, reply)
makes its job do nothing; a breach raises the priority, hands the ticket over, tells the people
concerned in the app and by mail, lands in the history and is recorded for reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from arq.worker import Worker
from redis.asyncio import Redis
from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.sla.clocks import ticket_created
from desk.actions.sla.escalation import escalate, warn
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.db import Database, commit
from desk.jobs.arq_backend import worker_settings
from desk.jobs.runner import due_jobs, execute_job
from desk.models import (
    AuditEntry,
    Notification,
    OutboundKind,
    OutboundMessage,
    SlaResult,
    Team,
    TeamMembership,
    Ticket,
    User,
)
from desk.models.base import aware, now
from desk.queries.sla import Met, sla_met
from desk.settings import Settings
from tests.conftest import redis_test_url, sign_in
from tests.desk.jobs.test_arq import _redis_or_skip
from tests.desk.sla.helpers import (
    _run_jobs,
    arrived,
    clocks_of,
    make_policy,
    queued,
    run_now,
    ticket_of,
)


def _breaches(db: Database, ticket_id: int) -> list[SlaResult]:
    with db.session() as s:
        return list(s.exec(select(SlaResult).where(SlaResult.ticket_id == ticket_id,
                                                   SlaResult.breached_at != None)))  # noqa: E711


def _entries(db: Database, ticket_id: int, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.entity == "ticket",
                                                    AuditEntry.entity_id == ticket_id,
                                                    AuditEntry.action == action)))


def _team(session: Session, name: str, *members: User) -> int:
    team = Team(name=name)
    session.add(team)
    session.flush()
    assert team.id is not None
    for user in members:
        session.add(TeamMembership(team_id=team.id, user_id=user.id))
    commit(session)
    return team.id


def _change(db: Database, ticket_id: int, **changes: object) -> None:
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, dict(changes))
        commit(s)
    _run_jobs(db)


def test_clocks_queue_a_warning_and_an_escalation_at_their_times(
    db: Database, session: Session, settings: Settings,
) -> None:
    make_policy(session, first=60, warn_minutes=20)
    number = arrived(db, settings, "al@example.com", "Printer")
    due = aware(clocks_of(db, number).first_response_due_at)
    escalations = {j.args["kind"]: j for j in queued(db, "escalate_sla", number)}
    warnings = {j.args["kind"]: j for j in queued(db, "warn_sla", number)}
    assert set(escalations) == set(warnings) == {"first_response", "resolution"}
    assert abs(aware(escalations["first_response"].run_at) - due) < timedelta(seconds=1)
    warned_at = aware(warnings["first_response"].run_at)
    assert abs(warned_at - (due - timedelta(minutes=20))) < timedelta(seconds=1)
    assert datetime.fromisoformat(escalations["first_response"].args["due"]) == due
    _change(db, number, status="open")  # the clocks did not move: nothing queued twice
    assert len(queued(db, "escalate_sla", number)) == 2


def test_a_warning_tells_the_assignee_before_the_due_time(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    make_policy(session, first=60, warn_minutes=30)
    agent = make_user("agent")
    number = arrived(db, settings, "bea@example.com", "VPN", minutes_ago=5, run=False)
    later = arrived(db, settings, "bo@example.com", "VPN too", minutes_ago=40)  # 20 minutes left
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.assignee_id = agent.id
        s.add(ticket)
        commit(s)
    _run_jobs(db)
    run_now(db, "warn_sla", number, "first_response")  # half an hour before the first response is due
    with db.session() as s:
        notes = list(s.exec(select(Notification).where(Notification.ticket_id == number)))
    assert [(n.user_id, n.kind) for n in notes] == [(agent.id, "sla_warning")]
    assert len(_entries(db, number, "sla_warned")) == 1
    assert _breaches(db, number) == []
    assert len(_entries(db, later, "sla_warned")) == 1  # inside its warning time: warned at once
    _change(db, later, status="open")  # counted again inside the warning time: warned once
    assert len(_entries(db, later, "sla_warned")) == 1


def test_a_breach_raises_the_priority_hands_over_tells_and_is_recorded(
    db: Database, session: Session, settings: Settings, client: TestClient,
    make_user: Callable[..., User],
) -> None:
    first, lead, boss = make_user("agent", name="First Line"), make_user("agent", name="Lead"), \
        make_user("supervisor", name="Boss")
    tier2 = _team(session, "Tier 2", lead, boss)
    make_policy(session, first=60, escalate_raise=True, escalate_team_id=tier2, escalate_agent_id=lead.id)
    number = arrived(db, settings, "cy@example.com", "Site down", minutes_ago=90, run=False)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.assignee_id = first.id
        s.add(ticket)
        commit(s)
    _run_jobs(db)  # the clocks start 90 minutes late: the first response is 30 minutes overdue
    ticket = ticket_of(db, number)
    assert (ticket.priority, ticket.team_id, ticket.assignee_id) == ("high", tier2, lead.id)
    [breach] = _breaches(db, number)
    assert breach.kind == "first_response" and breach.settled_at is None and breach.team_id is None
    [entry] = _entries(db, number, "sla_breached")
    assert entry.actor_name == "SLA" and entry.changes["clock"] == [None, "first_response"]
    assert entry.changes["priority"] == ["normal", "high"]
    assert entry.changes["assignee_id"] == [first.id, lead.id]
    with db.session() as s:
        told = {(n.user_id, n.kind) for n in s.exec(select(Notification).where(
            Notification.ticket_id == number, Notification.kind == "sla_breached"))}
        mails = {m.to_address for m in s.exec(select(OutboundMessage).where(
            OutboundMessage.kind == OutboundKind.notification))}
    assert told == {(first.id, "sla_breached"), (lead.id, "sla_breached"), (boss.id, "sla_breached")}
    assert mails == {first.email, lead.email, boss.email}
    _run_jobs(db)  # the raised priority moved the clocks: still one breach, one escalation
    assert len(_breaches(db, number)) == 1 and ticket_of(db, number).priority == "high"
    sign_in(client, make_user("admin"))
    page = client.get(f"/agent/tickets/{number}").text
    history = page.split('<ul class="history">', 1)[1]
    assert "SLA" in history and "first response breached" in history
    with db.session() as s:  # the late reply ends the breach
        row = s.get(Ticket, number)
        assert row is not None
        add_agent_reply(s, settings, Actor.of_user(lead), lead, row, "Sorry, on it", internal=False)
        commit(s)
    _run_jobs(db)
    [breach] = _breaches(db, number)
    assert breach.settled_at is not None and clocks_of(db, number).first_response_met is False


def test_a_job_for_a_due_time_the_clock_no_longer_has_does_nothing(
    db: Database, session: Session, settings: Settings,
) -> None:
    make_policy(session, first=60)
    number = arrived(db, settings, "ida@example.com", "Bill", minutes_ago=90, run=False)
    with db.session() as s:  # the clocks start late: the first response was due 30 minutes ago
        ticket_created(s, number)
        due = aware(clocks_of(db, number).first_response_due_at)
        assert not escalate(s, settings, number, "first_response", (due - timedelta(minutes=10)).isoformat())
        assert not warn(s, number, "first_response", (due + timedelta(minutes=10)).isoformat())
        assert _breaches(db, number) == []
        assert escalate(s, settings, number, "first_response", due.isoformat())
        assert not escalate(s, settings, number, "first_response", due.isoformat())  # once
    assert len(_breaches(db, number)) == 1


def test_a_job_for_a_clock_that_stood_or_was_settled_does_nothing(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    make_policy(session, first=60, escalate_raise=True)
    agent = make_user("agent")
    waiting = arrived(db, settings, "di@example.com", "Refund", minutes_ago=40)
    _change(db, waiting, status="pending")  # standing: nothing is due while it waits
    assert ticket_of(db, waiting).next_due_at is None
    with db.session() as s:
        [job] = [j for j in queued(db, "escalate_sla", waiting) if j.args["kind"] == "first_response"]
        assert not escalate(s, settings, waiting, "first_response", job.args["due"])
    _change(db, waiting, status="open")  # running again: jobs for the due time it has now
    due = aware(clocks_of(db, waiting).first_response_due_at)
    assert any(datetime.fromisoformat(j.args["due"]) == due for j in queued(db, "escalate_sla", waiting))

    answered = arrived(db, settings, "ed@example.com", "Login", minutes_ago=40)
    with db.session() as s:
        row = s.get(Ticket, answered)
        assert row is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, row, "Try again", internal=False)
        commit(s)
    _run_jobs(db)
    with db.session() as s:
        [job] = [j for j in queued(db, "escalate_sla", answered) if j.args["kind"] == "first_response"]
        assert not escalate(s, settings, answered, "first_response", job.args["due"])
    assert _breaches(db, answered) == [] and ticket_of(db, answered).priority == "normal"


def test_due_escalations_run_after_a_restart(
    db: Database, session: Session, settings: Settings,
) -> None:
    """Nothing is kept in memory: a runner started later on the same database finds the job."""
    make_policy(session, first=60)
    number = arrived(db, settings, "fay@example.com", "Outage", minutes_ago=90, run=False)
    with db.session() as s:  # queued, and its time came while nothing ran
        ticket_created(s, number)
    assert queued(db, "escalate_sla", number)
    db.dispose()
    fresh = Database(settings)
    try:
        for _ in range(3):
            for job_id in due_jobs(fresh):
                execute_job(fresh, job_id)
        assert [b.kind for b in _breaches(fresh, number)] == ["first_response"]
    finally:
        fresh.dispose()


def test_sla_met_counts_targets_met_and_breached_per_kind_and_team(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    billing = _team(session, "Billing", agent)
    make_policy(session, first=60)
    on_time = arrived(db, settings, "gus@example.com", "Bill")
    late = arrived(db, settings, "hal@example.com", "Bill again", minutes_ago=120)
    for number in (on_time, late):
        _change(db, number, team_id=billing)
    with db.session() as s:
        for number in (on_time, late):
            row = s.get(Ticket, number)
            assert row is not None
            add_agent_reply(s, settings, Actor.of_user(agent), agent, row, "Done", internal=False)
        commit(s)
    _run_jobs(db)
    since, until = now() - timedelta(days=1), now() + timedelta(minutes=1)
    with db.session() as s:
        found = sla_met(s, since, until)
        assert found["first_response"] == Met(1, 2) and found["first_response"].percent == 50.0
        assert found["next_response"] == Met(0, 0) and found["next_response"].percent is None
        assert sla_met(s, since, until, team_id=billing)["first_response"] == Met(1, 1)
        assert sla_met(s, since, until, team_id=billing + 1)["first_response"] == Met(0, 0)
        assert sla_met(s, until, until + timedelta(days=1))["first_response"] == Met(0, 0)


def test_an_arq_worker_started_later_runs_the_due_escalation(
    db: Database, session: Session, settings: Settings,
) -> None:
    """PostgreSQL + Redis: the escalation waits as a job row; a worker that starts after its
    time (its start-up sweep) runs it."""
    make_policy(session, first=60)
    number = arrived(db, settings, "gil@example.com", "Outage", minutes_ago=90, run=False)
    with db.session() as s:
        ticket_created(s, number)
    url = redis_test_url()

    async def scenario() -> None:
        await _redis_or_skip(url)
        redis = Redis.from_url(url)
        await redis.flushdb()
        try:
            worker = Worker(**worker_settings(replace(settings, redis_url=url), burst=True))
            await worker.main()
            await worker.close()
        finally:
            await redis.flushdb()
            await redis.aclose()

    asyncio.run(scenario())
    assert [b.kind for b in _breaches(db, number)] == ["first_response"]
    assert len(_entries(db, number, "sla_breached")) == 1
