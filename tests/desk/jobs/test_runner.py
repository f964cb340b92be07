"""Jobs: rows written with the change, run after commit, retried, then shown as dead."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.jobs import enqueue
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.jobs.functions import JOBS, JobContext
from desk.jobs.inprocess import InProcessRunner
from desk.jobs.runner import due_jobs, execute_job, retry_job
from desk.models import Customer, Job, Notification, Ticket
from desk.models.base import now
from desk.settings import Settings


def _failing(ctx: JobContext, **args: object) -> None:
    raise RuntimeError("SMTP server said no")


def test_jobs_are_written_in_the_same_transaction(db: Database, settings: Settings) -> None:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "a@example.com", "A"), "Hi", "Text"))
        customer = s.get(Customer, ticket.customer_id)
        assert customer is not None
        add_customer_reply(s, settings, ticket, customer, "More")
        assert s.exec(select(Job)).all() != []
        s.rollback()
    with db.session() as s:
        assert s.exec(select(Job)).all() == []
        assert s.exec(select(Ticket)).all() == []


def test_team_members_are_notified_of_a_routed_ticket(db: Database, settings: Settings,
                                                      make_user) -> None:  # type: ignore[no-untyped-def]
    agent = make_user("agent")
    with db.session() as s:
        team = ensure_team(s, SYSTEM, "Support")
        add_to_team(s, SYSTEM, agent, team)
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "a@example.com", "A"), "Hi", "Text"))
        update_ticket(s, SYSTEM, ticket, {"team_id": team.id})
        ticket2, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "b@example.com", "B"), "Yo", "Text"))
        update_ticket(s, SYSTEM, ticket2, {"team_id": team.id})
        commit(s)
    for job_id in due_jobs(db):
        execute_job(db, job_id)
    with db.session() as s:
        notes = s.exec(select(Notification).where(Notification.user_id == agent.id)).all()
        assert {n.ticket_id for n in notes} == {ticket.id, ticket2.id}
        assert all(j.status == "done" for j in s.exec(select(Job)))


def test_failing_job_is_retried_with_backoff_then_dead_and_retryable(db: Database) -> None:
    functions = {**JOBS, "explode": _failing}
    with db.session() as s:
        job_id = enqueue(s, "explode", max_attempts=2, ticket_id=1)
        commit(s)
    first = execute_job(db, job_id, functions)
    assert first is not None and first.status == "queued" and first.attempts == 1
    assert first.run_at > now() + timedelta(seconds=5)
    assert "SMTP server said no" in first.last_error
    assert execute_job(db, job_id, functions) is None  # not due yet
    with db.session() as s:
        row = s.get(Job, job_id)
        assert row is not None
        row.run_at = now()
        s.add(row)
        s.commit()
    second = execute_job(db, job_id, functions)
    assert second is not None and second.status == "dead"
    assert retry_job(db, job_id)
    with db.session() as s:
        row = s.get(Job, job_id)
        assert row is not None and row.status == "queued" and row.attempts == 0


def test_job_abandoned_by_a_killed_process_is_picked_up_again(db: Database) -> None:
    with db.session() as s:
        job_id = enqueue(s, "notify_agents", ticket_id=999, reason="created")
        commit(s)
    with db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        job.status = "running"
        job.run_at = now() - timedelta(hours=1)
        s.add(job)
        s.commit()
    assert job_id in due_jobs(db)


def test_a_job_whose_process_on_this_host_was_killed_is_taken_up_at_once(db: Database) -> None:
    import subprocess
    import sys

    from desk.jobs.runner import process_name

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = process_name().rpartition(":")[0]
    with db.session() as s:
        ids = [enqueue(s, "notify_agents", ticket_id=999, reason="created") for _ in range(3)]
        commit(s)
    with db.session() as s:
        for job_id, by in zip(ids, (f"{host}:{gone}", process_name(), f"elsewhere:{gone}"),
                              strict=True):
            job = s.get(Job, job_id)
            assert job is not None
            job.status, job.run_at, job.claimed_by = "running", now(), by
            s.add(job)
        s.commit()
    due = due_jobs(db)
    # Its process is gone: now. Still running here, or on another machine: left alone.
    assert ids[0] in due and ids[1] not in due and ids[2] not in due


def test_in_process_runner_runs_jobs_after_commit(db: Database, settings: Settings) -> None:
    async def scenario() -> str:
        runner = InProcessRunner(db, poll_seconds=30)
        await runner.start()
        try:
            with db.session() as s:
                ticket, _ = ingest_message(s, settings, InboundMessage(
                    "web", Identity("email", "a@example.com", "A"), "H", "T"))
                enqueue(s, "notify_agents", ticket_id=ticket.id, reason="created")
                commit(s)  # wakes the runner; the 30 s poll would be too late
            for _ in range(100):
                await asyncio.sleep(0.02)
                with db.session() as s:
                    statuses = {j.status for j in s.exec(select(Job))}
                if statuses == {"done"}:  # the job ran without anyone polling
                    return "done"
            return str(statuses)
        finally:
            await runner.stop()

    assert asyncio.run(scenario()) == "done"
