"""Who sees which figures, and the filters every report takes.

Agents see their own figures (what they solved, their answers); supervisors their teams'
(as each ticket stood when counted); admins all. The scope is decided here, on the server,
from the signed-in user, and every report query applies it with `scope_conditions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false
from sqlmodel import Session

from desk.models import Role, Team, User
from desk.queries.users import list_teams, team_ids_of


@dataclass(frozen=True)
class Scope:
    agent_id: int | None = None  # only this agent's figures
    team_ids: tuple[int, ...] | None = None  # only these teams' (None: every team)


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime
    team_id: int | None = None
    scope: Scope = Scope()


def report_scope(session: Session, user: User) -> tuple[Scope, list[Team]]:
    """The user's scope and the teams they may filter by."""
    assert user.id is not None
    teams = list_teams(session)
    if user.role == Role.admin:
        return Scope(), teams
    mine = set(team_ids_of(session, user.id))
    own_teams = [t for t in teams if t.id in mine]
    if user.role == Role.supervisor:
        return Scope(team_ids=tuple(sorted(mine))), own_teams
    return Scope(agent_id=user.id), own_teams


def scope_conditions(filters: Filters, agent: Any, team: Any) -> list[Any]:
    """The WHERE conditions of the filters' team and scope on these agent and team columns."""
    where: list[Any] = []
    if filters.team_id is not None:
        where.append(team == filters.team_id)
    scope = filters.scope
    if scope.agent_id is not None:
        where.append(agent == scope.agent_id)
    if scope.team_ids is not None:
        where.append(team.in_(scope.team_ids) if scope.team_ids else false())
    return where
