"""Two `desk serve` processes and a worker assigning at once: each its own connection, every
ticket's rules run twice (a job delivered again), and the rotation stays exactly fair with no
ticket given twice, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.applying import run_rules
from desk.actions.rules.manage import create_rule
from desk.db import Database, commit
from desk.models import AuditEntry, Team, TeamMembership, Ticket, User
from desk.settings import Settings

AGENTS = 4
TICKETS = 40
WORKERS = 3


def _mail(n: int) -> InboundMessage:
    return InboundMessage("email", Identity("email", f"c{n}@example.com", f"C{n}"), f"Help {n}", "hi",
                          thread=ThreadKeys(message_id=f"<{n}.{time.perf_counter_ns()}@example.com>"))


def _assign_all(db: Database, work: list[int], errors: list[BaseException]) -> None:
    """One process's share: run the rules of each ticket it takes, retrying what the database
    refused (SQLite: another writer came first; PostgreSQL: a deadlock), as the job runner does."""
    lock = threading.Lock()

    def worker() -> None:
        with db.session() as session:
            while True:
                with lock:
                    if not work:
                        return
                    ticket_id = work.pop()
                for _attempt in range(50):
                    try:
                        run_rules(session, ticket_id, "ticket_created")
                        break
                    except DBAPIError:
                        session.rollback()
                        session.expunge_all()
                        time.sleep(0.01)
                else:
                    errors.append(RuntimeError(f"ticket {ticket_id} never assigned"))

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)


def test_concurrent_round_robin_is_exactly_fair_and_gives_no_ticket_twice(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    agents = [make_user("agent", name=f"Agent {n}") for n in range(AGENTS)]
    team = Team(name="Rush")
    session.add(team)
    session.flush()
    assert team.id is not None
    for agent in agents:
        session.add(TeamMembership(team_id=team.id, user_id=agent.id))
    commit(session)
    create_rule(session, SYSTEM, {"name": "Rush in turn", "events": ["ticket_created"], "actions": [
        {"type": "set_team", "value": team.id}, {"type": "assign", "value": "round_robin"}]})
    ids = []
    for n in range(TICKETS):
        ticket, _ = ingest_message(session, settings, _mail(n))
        commit(session)
        assert ticket.id is not None
        ids.append(ticket.id)

    work = [*ids, *ids]  # every ticket's rules run twice, by whichever process takes it
    errors: list[BaseException] = []
    _assign_all(db, work, errors)
    assert errors == []

    with db.session() as fresh:
        owners = {t.id: t.assignee_id for t in fresh.exec(select(Ticket).where(Ticket.team_id == team.id))}
        assert sorted(owners) == sorted(ids) and None not in owners.values()
        counts = Counter(owners.values())
        assert sorted(counts) == sorted(a.id for a in agents)
        assert max(counts.values()) - min(counts.values()) <= 1
        given = Counter(e.entity_id for e in fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.action == "updated"))
            if "assignee_id" in e.changes)
        assert set(given) == set(ids) and set(given.values()) == {1}  # each given once, never again
