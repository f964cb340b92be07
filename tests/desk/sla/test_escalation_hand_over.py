"""Who an SLA escalation hands a breached ticket to (issue 13), chosen as assignment chooses:
never an agent who is away, off or at capacity; a covered agent's delegate instead of them;
the escalation team's next agent in turn who can take it; and when nobody can, the reason in
the ticket's history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from desk.actions.audit import SYSTEM
from desk.actions.duty import save_duty, start_cover
from desk.actions.users import choose_availability
from desk.db import Database, commit
from desk.models import AuditEntry, Team, TeamMembership, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.desk.sla.helpers import _run_jobs, arrived, make_policy, ticket_of

NO_HOURS = [("", "")] * 7


def _team(session: Session, name: str, *members: User) -> int:
    team = Team(name=name)
    session.add(team)
    session.flush()
    assert team.id is not None
    for user in members:
        session.add(TeamMembership(team_id=team.id, user_id=user.id))
    commit(session)
    return team.id


def _breached(db: Database, settings: Settings, holder: User) -> int:
    """A ticket held by `holder` whose first response is 30 minutes overdue once jobs run."""
    number = arrived(db, settings, "cy@example.com", "Site down", minutes_ago=90, run=False)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.assignee_id = holder.id
        s.add(ticket)
        commit(s)
    _run_jobs(db)
    return number


def _breach_entry(db: Database, number: int) -> dict[str, list[object]]:
    with db.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.entity == "ticket", AuditEntry.entity_id == number,
                                                AuditEntry.action == "sla_breached")).one()
        return entry.changes


@pytest.mark.parametrize("unable", ["away", "off", "at capacity"])
def test_a_named_agent_who_cannot_take_work_is_passed_over_for_the_team_in_turn(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User], unable: str,
) -> None:
    first, lead, second = (make_user("agent", name=n) for n in ("First Line", "Lead", "Second"))
    tier2 = _team(session, "Tier 2", lead, second)
    if unable == "at capacity":
        save_duty(session, SYSTEM, lead, "0", "", "", NO_HOURS)
    else:
        choose_availability(session, SYSTEM, lead.id, unable)
    make_policy(session, first=60, escalate_team_id=tier2, escalate_agent_id=lead.id)
    number = _breached(db, settings, first)
    ticket = ticket_of(db, number)
    assert (ticket.team_id, ticket.assignee_id) == (tier2, second.id)
    assert _breach_entry(db, number)["assignee_id"] == [first.id, second.id]


def test_a_covered_agent_s_breached_ticket_goes_to_their_delegate(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    first, lead, deputy = (make_user("agent", name=n) for n in ("First Line", "Lead", "Deputy"))
    starts = (now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    ends = (now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    start_cover(session, SYSTEM, lead, deputy, starts, ends)
    make_policy(session, first=60, escalate_agent_id=lead.id)
    number = _breached(db, settings, first)
    assert ticket_of(db, number).assignee_id == deputy.id
    said = _breach_entry(db, number)
    assert said["assignee_id"] == [first.id, deputy.id] and said["covering_for"] == [None, "Lead"]


def test_when_nobody_can_take_it_the_team_queue_does_and_the_history_says_why(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    first, lead, second = (make_user("agent", name=n) for n in ("First Line", "Lead", "Second"))
    tier2 = _team(session, "Tier 2", lead, second)
    for agent in (lead, second):
        choose_availability(session, SYSTEM, agent.id, "away")
    make_policy(session, first=60, escalate_team_id=tier2, escalate_agent_id=lead.id)
    number = _breached(db, settings, first)
    ticket = ticket_of(db, number)
    assert (ticket.team_id, ticket.assignee_id) == (tier2, None)
    reason = str(_breach_entry(db, number)["reason"][1])
    assert "cannot take it now" in reason and "2 away or off" in reason


def test_with_no_team_named_an_away_agent_leaves_the_ticket_where_it_is(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    first, lead = make_user("agent", name="First Line"), make_user("agent", name="Lead")
    choose_availability(session, SYSTEM, lead.id, "off")
    make_policy(session, first=60, escalate_raise=True, escalate_agent_id=lead.id)
    number = _breached(db, settings, first)
    ticket = ticket_of(db, number)
    assert (ticket.assignee_id, ticket.priority) == (first.id, "high")
    assert "cannot take it now" in str(_breach_entry(db, number)["reason"][1])
