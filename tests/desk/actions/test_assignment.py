"""Automatic assignment honours availability, working hours, capacity and skills; covers
send an away agent's new work to their delegate and show their open tickets to them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM
from desk.actions.duty import DutyError, end_cover, save_duty, start_cover
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.applying import run_rules
from desk.actions.rules.definition import Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule
from desk.actions.users import choose_availability
from desk.db import Database, commit
from desk.models import AuditEntry, Team, TeamMembership, Ticket, User
from desk.models.base import now
from desk.queries.chat import agents_online
from desk.queries.duty import duty_view, state_of
from desk.queries.tickets.queue import TicketFilter, can_see, list_tickets
from desk.settings import Settings

ALL_DAYS_OFF = [("", "")] * 7


def _mail(subject: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", "kim@example.com", "Kim"), subject, "hello",
                          thread=ThreadKeys(message_id=f"<{time.perf_counter_ns()}@example.com>"))


@pytest.fixture
def team(session: Session, make_user: Callable[..., User]) -> tuple[int, list[User]]:
    agents = [make_user("agent", name=name) for name in ("Ana", "Bo", "Cy")]
    row = Team(name="Support")
    session.add(row)
    session.flush()
    assert row.id is not None
    for agent in agents:
        session.add(TeamMembership(team_id=row.id, user_id=agent.id))
    commit(session)
    return row.id, agents


def _rule(session: Session, team_id: int, assign: Any, name: str = "To Support") -> None:
    create_rule(session, SYSTEM, {"name": name, "events": ["ticket_created"],
                                  "actions": [{"type": "set_team", "value": team_id},
                                              {"type": "assign", "value": assign}]})


def _tickets(session: Session, settings: Settings, count: int) -> list[int]:
    ids = []
    for n in range(count):
        ticket, _ = ingest_message(session, settings, _mail(f"Question {n}"))
        commit(session)
        assert ticket.id is not None
        run_rules(session, ticket.id, "ticket_created")
        ids.append(ticket.id)
    return ids


def _assignees(db: Database, ids: list[int]) -> list[int | None]:
    with db.session() as fresh:
        return [fresh.get(Ticket, i).assignee_id for i in ids]  # type: ignore[union-attr]


def _today_off() -> list[tuple[str, str]]:
    """Hours on every day but today (UTC): outside them now."""
    hours = [("09:00", "17:00")] * 7
    hours[now().weekday()] = ("", "")
    return hours


def test_off_outside_working_hours_and_at_capacity_are_passed_over(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    team_id, (ana, bo, cy) = team
    save_duty(session, SYSTEM, ana, "", "", "Asia/Shanghai", _today_off())
    save_duty(session, SYSTEM, bo, "1", "", "", ALL_DAYS_OFF)
    assert state_of(session, ana).state == "off" and state_of(session, ana).why == "hours"
    _rule(session, team_id, "round_robin")
    ids = _tickets(session, settings, 3)
    # Ana is off; Bo takes one and is then full; Cy takes the rest.
    assert _assignees(db, ids) == [bo.id, cy.id, cy.id]


def test_when_every_agent_is_skipped_the_ticket_stays_in_the_team_and_the_history_says_why(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    team_id, (ana, bo, cy) = team
    choose_availability(session, SYSTEM, ana.id or 0, "off")
    choose_availability(session, SYSTEM, bo.id or 0, "away")
    save_duty(session, SYSTEM, cy, "0", "", "", ALL_DAYS_OFF)
    for strategy in ("round_robin", "least_loaded"):
        _rule(session, team_id, strategy, name=strategy)
    [ticket_id] = _tickets(session, settings, 1)
    with db.session() as fresh:
        ticket = fresh.get(Ticket, ticket_id)
        assert ticket is not None and ticket.team_id == team_id and ticket.assignee_id is None
        why = fresh.exec(select(AuditEntry).where(AuditEntry.entity_id == ticket_id,
                                                  AuditEntry.action == "assignment_skipped")).first()
        assert why is not None
        assert "2 away or off, 1 at capacity" in why.changes["reason"][1]


def test_assign_by_skill_takes_the_skills_named_in_turn(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    team_id, (ana, bo, cy) = team
    save_duty(session, SYSTEM, ana, "", "zh, Refunds", "", ALL_DAYS_OFF)
    save_duty(session, SYSTEM, cy, "", "zh", "", ALL_DAYS_OFF)
    _rule(session, team_id, {"by_skill": ["ZH"]})
    assert _assignees(db, _tickets(session, settings, 4)) == [ana.id, cy.id, ana.id, cy.id]


def test_assign_by_skill_without_skills_matches_the_tickets_tags(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    team_id, (ana, bo, cy) = team
    save_duty(session, SYSTEM, ana, "", "refunds", "", ALL_DAYS_OFF)
    save_duty(session, SYSTEM, bo, "", "zh", "", ALL_DAYS_OFF)
    create_rule(session, SYSTEM, {"name": "Refunds", "events": ["ticket_created"], "actions": [
        {"type": "set_team", "value": team_id}, {"type": "add_tags", "value": ["refunds"]},
        {"type": "assign", "value": "by_skill"}]})
    assert _assignees(db, _tickets(session, settings, 2)) == [ana.id, ana.id]


def test_a_skill_nobody_has_is_accepted_and_a_malformed_one_refused() -> None:
    spec = parse_rule({"name": "Klingon", "actions": [{"type": "assign", "value": {"by_skill": ["tlh"]}}]},
                      Known())
    assert spec.actions[0].value == {"by_skill": ["tlh"]}
    with pytest.raises(RuleError) as refused:
        parse_rule({"name": "Bad", "actions": [{"type": "assign", "value": {"by_skill": []}}]}, Known())
    assert "actions.0.value" in refused.value.errors


def test_a_cover_sends_new_work_to_the_delegate_shows_open_tickets_and_ends(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
    make_user: Callable[..., User],
) -> None:
    team_id, (ana, bo, cy) = team
    dee = make_user("agent", name="Dee")  # not of the team
    _rule(session, team_id, "round_robin")
    [before] = _tickets(session, settings, 1)
    assert _assignees(db, [before]) == [ana.id]
    start = (now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    until = (now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    cover = start_cover(session, SYSTEM, ana, dee, start, until)
    assert state_of(session, ana).state == "away"
    ids = _tickets(session, settings, 3)
    # Bo, Cy, then Ana's turn, which goes to Dee.
    assert _assignees(db, ids) == [bo.id, cy.id, dee.id]
    with db.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.entity_id == ids[2],
                                                AuditEntry.action == "cover_assigned")).one()
        assert entry.changes["covering_for"] == [None, "Ana"]
    # A rule naming Ana gives the ticket to Dee as well.
    create_rule(session, SYSTEM, {"name": "Ana's", "events": ["ticket_created"],
                                  "actions": [{"type": "assign", "value": ana.id}]})
    [named] = _tickets(session, settings, 1)
    assert _assignees(db, [named]) == [dee.id]
    # Dee sees Ana's open ticket under "Covering for Ana" (not in her teams) and may open it.
    with db.session() as s:
        page = list_tickets(s, dee, TicketFilter(covering=ana.id))
        assert [t.id for t in page.tickets] == [before]
        assert can_see(s, dee, s.get(Ticket, before))  # type: ignore[arg-type]
        assert list_tickets(s, bo, TicketFilter(covering=ana.id)).tickets == []
    end_cover(session, SYSTEM, ana, cover.id or 0)
    with db.session() as s:
        assert list_tickets(s, dee, TicketFilter(covering=ana.id)).tickets == []
        assert state_of(s, ana).state == "available"
        assert _assignees(db, [before]) == [ana.id]  # nothing of hers was moved
        history = s.exec(select(AuditEntry.action).where(AuditEntry.entity == "user",
                                                         AuditEntry.entity_id == ana.id)).all()
        assert "cover_set" in history and "cover_ended" in history
        # What was given to Dee meanwhile stays hers, listed under the cover on Ana's page.
        [shown] = duty_view(s, ana).covers
        assert shown.ended and shown.delegate == "Dee" and shown.given == [ids[2], named]


def test_a_cover_is_refused_for_oneself_in_the_past_or_overlapping(
    session: Session, team: tuple[int, list[User]],
) -> None:
    _team_id, (ana, bo, _cy) = team
    later = (now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    past = (now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    soon = now().strftime("%Y-%m-%dT%H:%M")
    for delegate, starts, ends, field in ((ana, soon, later, "delegate"), (bo, past, past, "ends"),
                                          (bo, "yesterday", later, "starts")):
        with pytest.raises(DutyError) as refused:
            start_cover(session, SYSTEM, ana, delegate, starts, ends)
        assert refused.value.field == field
    start_cover(session, SYSTEM, ana, bo, soon, later)
    with pytest.raises(DutyError):
        start_cover(session, SYSTEM, ana, bo, soon, later)


def test_duty_input_is_checked_field_by_field(session: Session, team: tuple[int, list[User]]) -> None:
    _team_id, (ana, _bo, _cy) = team
    for args, field in ((("x", "", "", ALL_DAYS_OFF), "capacity"),
                        (("", "", "Mars/Base", ALL_DAYS_OFF), "time_zone"),
                        (("", "a b", "", ALL_DAYS_OFF), "skills"),
                        (("", "", "", [("17:00", "09:00")] + ALL_DAYS_OFF[1:]), "hours0")):
        with pytest.raises(DutyError) as refused:
            save_duty(session, SYSTEM, ana, *args)
        assert refused.value.field == field


def test_the_chat_widget_is_offline_when_the_only_agent_is_outside_working_hours(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    from desk.actions.staff_sessions import start_session

    team_id, (ana, bo, cy) = team
    start_session(session, ana, "127.0.0.1", "test")
    commit(session)
    for other in (bo, cy):
        choose_availability(session, SYSTEM, other.id or 0, "away")
    assert agents_online(session, team_id)
    save_duty(session, SYSTEM, ana, "", "", "", _today_off())
    assert not agents_online(session, team_id)


def test_a_customer_writing_on_a_covered_agents_ticket_reaches_the_delegate(
    db: Database, session: Session, settings: Settings, team: tuple[int, list[User]],
) -> None:
    from desk.actions.notifications import notify_agents
    from desk.models import Notification

    team_id, (ana, bo, _cy) = team
    _rule(session, team_id, ana.id)
    [ticket_id] = _tickets(session, settings, 1)
    start_cover(session, SYSTEM, ana, bo, (now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
                (now() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    notify_agents(session, ticket_id, "customer_replied")
    with db.session() as s:
        told = s.exec(select(Notification.user_id).where(Notification.ticket_id == ticket_id,
                                                         Notification.kind == "customer_replied")).all()
        assert sorted(told) == sorted([ana.id, bo.id])
        assert s.get(Ticket, ticket_id).assignee_id == ana.id  # type: ignore[union-attr]
