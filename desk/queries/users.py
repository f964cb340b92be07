"""Staff as the pages list them: users, teams, signed-in browsers (API tokens:
`desk.queries.account_security`)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import StaffSession, Team, TeamMembership, User


def active_agents(session: Session) -> list[User]:
    """Every staff member who may still sign in (agents, supervisors, admins), by name."""
    return list(session.exec(select(User).where(col(User.is_active).is_(True)).order_by(col(User.name))))


def list_users(session: Session) -> list[User]:
    """Every staff account, signed-in or not, by name."""
    return list(session.exec(select(User).order_by(col(User.name))))


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))))


def team_names(session: Session) -> dict[int | None, str]:
    return {t.id: t.name for t in session.exec(select(Team))}


def teams_by_user(session: Session) -> dict[int, list[str]]:
    """The names of the teams each user belongs to, by user id."""
    names = team_names(session)
    found: dict[int, list[str]] = {}
    for m in session.exec(select(TeamMembership)):
        found.setdefault(m.user_id, []).append(names.get(m.team_id, ""))
    return found


def live_sessions(session: Session, user: User) -> list[StaffSession]:
    """The signed-in browsers of ``user``, the most recently used first."""
    return list(session.exec(select(StaffSession).where(
        StaffSession.user_id == user.id, col(StaffSession.ended_at).is_(None))
        .order_by(col(StaffSession.last_seen_at).desc())))


def team_ids_of(session: Session, user_id: int) -> list[int]:
    """The ids of the teams ``user_id`` belongs to."""
    return list(session.exec(select(TeamMembership.team_id).where(
        TeamMembership.user_id == user_id)))


def get_team(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)
