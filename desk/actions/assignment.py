"""Choosing the agent a rule gives a ticket to: a named agent, the team's agents in turn
(round robin), the one with the fewest open tickets (least loaded), or in turn among those
with the skills asked for (by skill).

Who may take a ticket automatically: an active member of the team whose effective state is
available (desk.queries.duty: not away, not off, inside their working hours), below their
capacity (most open tickets), with the skills asked for. An agent covered by a colleague
keeps their turn in the rotation, and it goes to the delegate; a rule naming them gives the
ticket to the delegate too. When nobody can take it the ticket stays unassigned in the
team and `Pick.reason` says why (recorded in its history).

The automatic strategies leave a ticket alone that already has one of the team's agents
(or a delegate of one): a job run twice, or a customer's reply, never hands it over again.

Concurrency: the team's rotation row is made if missing (insert, no conflict) and locked
before anything is counted (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has one writer,
and a transaction that read before another wrote fails and is retried as a job), so two
processes assigning at once take turns one after the other: no ticket is given twice and
no agent's turn is skipped."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.i18n import _
from desk.models import OPEN_STATUSES, Cover, StaffDuty, TeamRotation, Ticket, User
from desk.models.base import now
from desk.queries.duty import Duty, effective, running_covers, skills_of, staff_with_duty

if TYPE_CHECKING:
    from desk.actions.rules.definition import RuleSpec


@dataclass(frozen=True)
class Pick:
    """The agent chosen (None: nobody), whom they cover for, and why nobody could take it."""

    agent_id: int | None
    covering_for: User | None = None
    cover: Cover | None = None
    reason: str = ""
    kept: bool = False  # the ticket already had one of the team's agents: left alone


def assign(session: Session, spec: RuleSpec, value: Any, team_id: int | None, ticket: Ticket,
           tags: Collection[str], advance: bool) -> int | None:
    """The assignee a rule's assign action comes to (None: leave it as it is). When it runs
    for real, the history says whom a delegate covers for, or why nobody could take it."""
    if isinstance(value, int):
        pick = named_agent(session, value)
    else:
        skills = value.get("by_skill", []) if isinstance(value, dict) else []
        strategy = "by_skill" if isinstance(value, dict) else str(value)
        pick = pick_agent(session, strategy, team_id, ticket, skills, tags, advance)
    if advance and ticket.id is not None and not pick.kept:
        actor = Actor("rule", None, spec.name)
        if pick.covering_for is not None and pick.cover is not None:
            record(session, actor, "ticket", ticket.id, "cover_assigned",
                   {"covering_for": [None, pick.covering_for.name], "cover": [None, pick.cover.id]})
        elif pick.reason:
            record(session, actor, "ticket", ticket.id, "assignment_skipped", {"reason": [None, pick.reason]})
    return None if pick.kept else pick.agent_id


def named_agent(session: Session, agent_id: int, at: datetime | None = None) -> Pick:
    """A rule naming an agent: them, or their delegate while a cover for them runs."""
    cover = running_covers(session, [agent_id], at).get(agent_id)
    if cover is None:
        return Pick(agent_id)
    return Pick(cover.delegate_id, session.get(User, agent_id), cover)


@dataclass
class _Team:
    members: list[int]
    users: dict[int, User]
    duty: dict[int, StaffDuty]
    covers: dict[int, Cover]
    states: dict[int, Duty]
    loads: dict[int, int]


def hand_over(session: Session, agent_id: int | None, team_id: int | None, ticket: Ticket) -> Pick:
    """Who takes a ticket an SLA escalation hands over, chosen as assignment chooses: the named
    agent, or their delegate while a cover for them runs, if they can take work now (active,
    available, below capacity); else the team's next agent in turn who can (a covered agent's
    turn going to the delegate); else nobody, with the reason. Never an agent away or off."""
    reasons: list[str] = []
    if agent_id is not None:
        pick = named_agent(session, agent_id)
        alone = _people(session, staff_with_duty(session, user_ids=[pick.agent_id or 0]))
        if pick.agent_id is not None and _can_take(alone, pick.agent_id, frozenset()):
            return pick
        reasons.append(_("The agent the policy names cannot take it now (away, off, at capacity or "
                         "inactive)."))
    if team_id is not None:
        pick = pick_agent(session, "round_robin", team_id, ticket, keep_current=False)
        if pick.agent_id is not None:
            return pick
        reasons.append(pick.reason)
    return Pick(None, reason=" ".join(r for r in reasons if r))


def pick_agent(session: Session, strategy: str, team_id: int | None, ticket: Ticket,
               skills: Collection[str] = (), tags: Collection[str] = (), advance: bool = True,
               keep_current: bool = True) -> Pick:
    """The agent of the team `strategy` gives the ticket to. `skills` (by skill): those the
    agent must have; empty means the ticket's `tags` that are skills of the team's agents.
    `advance=False` (a dry run) writes nothing and takes no lock. `keep_current=False` (an
    escalation) passes the ticket on even when one of the team's agents has it."""
    if team_id is None:
        return Pick(None)
    rotation = _rotation(session, team_id, lock=advance)
    team = _team(session, team_id)
    if not team.members:
        return Pick(None, reason=_("The team has no agents."))
    if ticket.id is not None and keep_current:
        current = session.exec(select(Ticket.assignee_id).where(Ticket.id == ticket.id)).first()
        delegates = {c.delegate_id for c in team.covers.values()}
        if current is not None and (current in team.members or current in delegates):
            return Pick(current, kept=True)
    required: frozenset[str] = frozenset()
    if strategy == "by_skill":
        known = frozenset().union(*(skills_of(team.duty.get(m)) for m in team.members))
        required = frozenset(skills) if skills else frozenset(tags) & known
    turn = rotation.last_user_id if rotation is not None else None
    chosen = _least_loaded(team, required) if strategy == "least_loaded" else _in_turn(team, required, turn)
    if chosen is None:
        return Pick(None, reason=_nobody(team, required))
    agent, owner = chosen
    if advance and strategy != "least_loaded" and rotation is not None:
        rotation.last_user_id = owner
        session.add(rotation)
        session.flush()
    if agent != owner:
        return Pick(agent, team.users.get(owner), team.covers.get(owner))
    return Pick(agent)


def _rotation(session: Session, team_id: int, lock: bool) -> TeamRotation | None:
    if lock:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.connection().execute(
            insert(TeamRotation.__table__).values(team_id=team_id).on_conflict_do_nothing())  # type: ignore[attr-defined]
    query = select(TeamRotation).where(TeamRotation.team_id == team_id).execution_options(
        populate_existing=True)
    return session.exec(query.with_for_update() if lock else query).first()


def _team(session: Session, team_id: int) -> _Team:
    """The team's agents and the delegates covering for them: who they are, their duty, their
    state now and their open tickets (three queries; a fourth for delegates of other teams)."""
    return _people(session, staff_with_duty(session, team_id=team_id))


def _people(session: Session, rows: list[tuple[User, StaffDuty | None]]) -> _Team:
    """These staff members (with their duty) as a team, with the delegates covering for them."""
    at = now()
    members = [u.id for u, _d in rows if u.id is not None]
    running = running_covers(session, None, at)
    covers = {m: running[m] for m in members if m in running}
    outside = {c.delegate_id for c in covers.values()} - set(members)
    if outside:
        rows += staff_with_duty(session, user_ids=outside)
    users = {u.id: u for u, _d in rows if u.id is not None}
    duty = {u.id: d for u, d in rows if u.id is not None and d is not None}
    states = {i: effective(u, duty.get(i), running.get(i), at) for i, u in users.items()}
    loads = dict(session.exec(
        select(Ticket.assignee_id, func.count()).where(
            col(Ticket.assignee_id).in_(list(users)), col(Ticket.status).in_(list(OPEN_STATUSES)))
        .group_by(col(Ticket.assignee_id))).all())
    return _Team(members, users, duty, covers, states, {k: v for k, v in loads.items() if k is not None})


def _can_take(team: _Team, agent: int, required: frozenset[str]) -> bool:
    user, duty = team.users.get(agent), team.duty.get(agent)
    if user is None or not user.is_active or team.states[agent].state != "available":
        return False
    if duty is not None and duty.capacity is not None and team.loads.get(agent, 0) >= duty.capacity:
        return False
    return required <= skills_of(duty)


def _in_turn(team: _Team, required: frozenset[str], last: int | None) -> tuple[int, int] | None:
    """(who takes it, whose turn it was): the first after `last` who can take it, or whose
    delegate can."""
    after = [m for m in team.members if last is not None and m > last]
    for member in after + [m for m in team.members if m not in after]:
        if _can_take(team, member, required):
            return member, member
        cover = team.covers.get(member)
        if cover is not None and _can_take(team, cover.delegate_id, required):
            return cover.delegate_id, member
    return None


def _least_loaded(team: _Team, required: frozenset[str]) -> tuple[int, int] | None:
    able = [m for m in team.members if _can_take(team, m, required)]
    if not able:
        return None
    agent = min(able, key=lambda m: (team.loads.get(m, 0), m))
    return agent, agent


def _nobody(team: _Team, required: frozenset[str]) -> str:
    """Why no agent of the team could take the ticket, in the history's words."""
    away = sum(1 for m in team.members if team.states[m].state != "available")
    full = sum(1 for m in team.members if team.states[m].state == "available"
               and (d := team.duty.get(m)) is not None and d.capacity is not None
               and team.loads.get(m, 0) >= d.capacity)
    unskilled = sum(1 for m in team.members if not required <= skills_of(team.duty.get(m)))
    return _("No agent of the team could take it: %(away)s away or off, %(full)s at capacity, "
             "%(unskilled)s without the skills %(skills)s.") % {
        "away": away, "full": full, "unskilled": unskilled, "skills": ", ".join(sorted(required)) or "—"}

