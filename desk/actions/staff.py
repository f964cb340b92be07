"""Staff management as admins do it from the pages: add, edit, deactivate and reactivate
staff, reset passwords; staff change their own password. Every change is audited with its
before and after; each function is one use case and commits once, or raises StaffError with
nothing written.

Desk always keeps an active admin: the last one cannot be demoted or deactivated (the CLI,
`desk user ...`, stays the way back in for a locked-out installation)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.ingest.cleaning import one_line
from desk.actions.input_errors import InputError
from desk.actions.staff_sessions import end_all_sessions
from desk.actions.users import add_to_team, create_user, hash_password, password_matches
from desk.contacts import InvalidContact, normalise_email
from desk.db import committed
from desk.i18n import LOCALES, _
from desk.models import Role, Team, TeamMembership, User

MIN_PASSWORD = 10
MAX_PASSWORD = 1000
MAX_NAME = 200


class StaffError(InputError):
    """Staff input that cannot be saved; ``field`` names the form field at fault."""


def generated_password() -> str:
    """A password to hand over once: 16 characters, about 96 bits."""
    return secrets.token_urlsafe(12)


def add_staff_member(session: Session, actor: Actor, email: str, name: str, role: str,
                     locale: str, team_ids: Iterable[int], password: str = "") -> tuple[User, str]:
    """A new staff account in the teams ``team_ids``; with no ``password`` one is generated.
    Returns the user and the password (to show once). Commits."""
    try:
        email = normalise_email(email)
    except InvalidContact:
        raise StaffError("email", _("Enter a valid email address, like name@example.com.")) from None
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise StaffError("email", _("A staff member with this email exists already."))
    name = _checked_name(name)
    _check_role(role)
    _check_locale(locale)
    teams = _teams(session, team_ids)
    password = checked_password(password, "password") if password else generated_password()
    with committed(session):
        user = create_user(session, actor, email, name, role, password, locale=locale)
        for team in teams:
            add_to_team(session, actor, user, team)
    return user, password


def edit_staff_member(session: Session, actor: Actor, user: User, name: str, role: str,
                      locale: str, team_ids: Iterable[int]) -> None:
    """Name, role, language and teams, as the admin's form has them now. Commits."""
    name = _checked_name(name)
    _check_role(role)
    _check_locale(locale)
    teams = _teams(session, team_ids)
    if user.role == Role.admin and role != Role.admin:
        _keep_an_admin(session, user, "role")
    assert user.id is not None
    with committed(session):
        changes: dict[str, list[Any]] = {}
        for field, value in (("name", name), ("role", role), ("locale", locale)):
            if getattr(user, field) != value:
                changes[field] = [getattr(user, field), value]
                setattr(user, field, value)
        before = sorted(t.name for t in _member_teams(session, user))
        after = sorted(t.name for t in teams)
        if before != after:
            changes["teams"] = [before, after]
            session.execute(delete(TeamMembership).where(col(TeamMembership.user_id) == user.id))
            session.add_all(TeamMembership(team_id=t.id, user_id=user.id) for t in teams
                            if t.id is not None)
        if changes:
            session.add(user)
            record(session, actor, "user", user.id, "updated", changes)


def deactivate_staff_member(session: Session, actor: Actor, user: User) -> None:
    """The account can no longer sign in; its sessions and API tokens stop working at once.
    Refused for the last active admin. Commits."""
    if not user.is_active:
        return
    if user.role == Role.admin:
        _keep_an_admin(session, user, "active")
    with committed(session):
        user.is_active = False
        session.add(user)
        end_all_sessions(session, actor, user)
        record(session, actor, "user", user.id or 0, "deactivated", {"is_active": [True, False]})


def reactivate_staff_member(session: Session, actor: Actor, user: User) -> None:
    """The account may sign in again (with its old password). Commits."""
    if user.is_active:
        return
    with committed(session):
        user.is_active = True
        session.add(user)
        record(session, actor, "user", user.id or 0, "reactivated", {"is_active": [False, True]})


def reset_password(session: Session, actor: Actor, user: User, password: str = "") -> str:
    """A new password set by an admin (generated when ``password`` is empty); every session
    of the account ends. Returns the password, to show once. Commits."""
    password = checked_password(password, "password") if password else generated_password()
    with committed(session):
        user.password_hash = hash_password(password)
        session.add(user)
        end_all_sessions(session, actor, user)
        record(session, actor, "user", user.id or 0, "password_reset")
    return password


def change_own_password(session: Session, user: User, old: str, new: str, keep: str) -> None:
    """A staff member's new password, the old one checked; every other session of theirs
    ends (the one of token ``keep``, this browser, stays). Commits."""
    if not password_matches(user, old[:MAX_PASSWORD]):
        raise StaffError("old_password", _("That is not your current password."))
    new = checked_password(new, "new_password")
    if new == old:
        raise StaffError("new_password", _("The new password is the same as the old one."))
    actor = Actor.of_user(user)
    with committed(session):
        user.password_hash = hash_password(new)
        session.add(user)
        end_all_sessions(session, actor, user, keep=keep)
        record(session, actor, "user", user.id or 0, "password_changed")


def create_team(session: Session, actor: Actor, name: str) -> Team:
    """A new team. Commits."""
    name = _checked_team_name(session, name, None)
    with committed(session):
        team = Team(name=name)
        session.add(team)
        session.flush()
        assert team.id is not None
        record(session, actor, "team", team.id, "created", {"name": [None, name]})
    return team


def rename_team(session: Session, actor: Actor, team: Team, name: str) -> None:
    """A team's new name (its tickets and members stay). Commits."""
    name = _checked_team_name(session, name, team.id)
    if name == team.name:
        return
    with committed(session):
        record(session, actor, "team", team.id or 0, "renamed", {"name": [team.name, name]})
        team.name = name
        session.add(team)


def set_team_readable(session: Session, actor: Actor, team: Team, readable: bool) -> None:
    """Whether agents of other teams may read ``team``'s tickets (never change them). Commits."""
    if team.readable_by_all == readable:
        return
    with committed(session):
        record(session, actor, "team", team.id or 0, "updated",
               {"readable_by_all": [team.readable_by_all, readable]})
        team.readable_by_all = readable
        session.add(team)


def _keep_an_admin(session: Session, user: User, field: str) -> None:
    # Every active admin's row locked, in id order: two admins demoting each other at once
    # wait for one another, and the second sees the first's change (PostgreSQL re-reads a
    # locked row against the WHERE).
    admins = session.exec(select(User.id).where(
        User.role == Role.admin, col(User.is_active).is_(True)).order_by(col(User.id))
        .with_for_update()).all()
    if not [i for i in admins if i != user.id]:
        raise StaffError(field, _("Desk needs at least one active admin: make someone else "
                                  "an admin first."))


def _checked_name(name: str) -> str:
    name = " ".join(one_line(name).split())  # control characters as the intake cleans them
    if not name:
        raise StaffError("name", _("Enter a name."))
    if len(name) > MAX_NAME:
        raise StaffError("name", _("This is too long."))
    return name


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise StaffError("role", _("Choose one of the options."))


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise StaffError("locale", _("Choose one of the options."))


def checked_password(password: str, field: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StaffError(field, _("The password needs at least %(count)s characters."),
                         count=str(MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise StaffError(field, _("This is too long."))
    return password


def _checked_team_name(session: Session, name: str, team_id: int | None) -> str:
    name = " ".join(one_line(name).split())
    if not name:
        raise StaffError("team_name", _("Enter a name."))
    if len(name) > 100:
        raise StaffError("team_name", _("This is too long."))
    same = session.exec(select(Team).where(Team.name == name)).first()
    if same is not None and same.id != team_id:
        raise StaffError("team_name", _("There is a team with this name already."))
    return name


def _teams(session: Session, team_ids: Iterable[int]) -> list[Team]:
    wanted = set(team_ids)
    if not wanted:
        return []
    teams = list(session.exec(select(Team).where(col(Team.id).in_(wanted))))
    if len(teams) != len(wanted):
        raise StaffError("teams", _("This no longer exists."))
    return teams


def _member_teams(session: Session, user: User) -> list[Team]:
    return list(session.exec(select(Team).join(
        TeamMembership, col(TeamMembership.team_id) == Team.id).where(
        TeamMembership.user_id == user.id)))
