"""What the SLA tests share: a policy open round the clock, a ticket whose clocks started as if
it came in a while ago, and running the jobs that are due (or making queued ones due)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Job, JobStatus, SlaPolicy, Ticket, TicketSla
from desk.models.base import now
from desk.settings import Settings
from tests.desk.actions.test_rules import _mail, _run_jobs

ROUND_THE_CLOCK = json.dumps([[[0, 1440]]] * 7)
PRIORITIES = ("low", "normal", "high", "urgent")


def make_policy(session: Session, name: str = "Standard", *, first: float = 60, next_: float = 120,
                resolution: float = 480, default: bool = True, **fields: Any) -> SlaPolicy:
    """Targets in minutes, the same for every priority except urgent (a quarter of each)."""
    targets = {kind: {p: minutes / 4 if p == "urgent" else minutes for p in PRIORITIES}
               for kind, minutes in (("first_response", first), ("next_response", next_),
                                     ("resolution", resolution))}
    policy = SlaPolicy(name=name, is_default=default, hours=ROUND_THE_CLOCK,
                       targets=json.dumps(targets), **fields)
    session.add(policy)
    commit(session)
    return policy


def arrived(db: Database, settings: Settings, sender: str, subject: str,
            minutes_ago: float = 0, run: bool = True) -> int:
    """A mail that became a ticket `minutes_ago`; its clocks start when the jobs run."""
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, _mail(sender, subject, "Please help"))
        commit(s)
        assert ticket.id is not None
        s.execute(update(Ticket).where(col(Ticket.id) == ticket.id)
                  .values(created_at=now() - timedelta(minutes=minutes_ago)))
        commit(s)
        number = ticket.id
    if run:
        _run_jobs(db)
    return number


def clocks_of(db: Database, ticket_id: int) -> TicketSla:
    with db.session() as s:
        clocks = s.get(TicketSla, ticket_id)
        assert clocks is not None
        return clocks


def ticket_of(db: Database, ticket_id: int) -> Ticket:
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def queued(db: Database, name: str, ticket_id: int) -> list[Job]:
    with db.session() as s:
        return [j for j in s.exec(select(Job).where(Job.name == name, Job.status == JobStatus.queued))
                if j.args.get("ticket_id") == ticket_id]


def run_now(db: Database, name: str, ticket_id: int, kind: str) -> None:
    """Make the ticket's queued `name` jobs of the `kind` clock due now, as if their time had
    come, and run them."""
    with db.session() as s:
        for job in queued(db, name, ticket_id):
            if job.args.get("kind") != kind:
                continue
            s.execute(update(Job).where(col(Job.id) == job.id).values(run_at=now() - timedelta(seconds=1)))
        commit(s)
    _run_jobs(db)


__all__ = ["ROUND_THE_CLOCK", "arrived", "clocks_of", "make_policy", "queued", "run_now", "ticket_of",
           "_mail", "_run_jobs"]
