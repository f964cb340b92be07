"""Staff accounts, passwords (argon2) and API tokens."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from desk.actions.audit import Actor, record
from desk.actions.ingest.cleaning import one_line
from desk.actions.staff_sessions import end_all_sessions
from desk.db import commit
from desk.models import ApiToken, Role, Team, TeamMembership, User
from desk.models.base import now
from desk.models.users import ALL_SCOPES

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a failed sign-in the same for unknown emails.
    Made on first use: hashing costs half a second, which every `desk` command paid on import."""
    return _hasher.hash("not-a-real-password")


class UserError(ValueError):
    """A request about users that cannot be done; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session, actor: Actor, email: str, name: str, role: str, password: str | None,
    locale: str = "en",
) -> User:
    email = email.strip().lower()
    if role not in {r.value for r in Role}:
        raise UserError(f"role must be one of agent, supervisor, admin, not {role!r}")
    if "@" not in email:
        raise UserError(f"{email!r} is not an email address")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserError(f"a user with the email {email} exists already")
    user = User(
        # Control characters cleaned as the intake cleans a name (`desk user add` comes here).
        email=email, name=one_line(name).strip() or email, role=role, locale=locale,
        password_hash=hash_password(password) if password else "",
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    record(session, actor, "user", user.id, "created",
           {"email": [None, email], "role": [None, role]})
    return user


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the account's (argon2); no side effect."""
    try:
        return bool(user.password_hash) and _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.password_hash or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password or "x")
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def choose_locale(session: Session, actor: Actor, user_id: int, locale: str) -> None:
    """The language a staff member's pages are shown in, saved; commits."""
    user = session.get(User, user_id)
    assert user is not None
    set_locale(session, actor, user, locale)
    commit(session)


AVAILABILITY = ("available", "away", "off")


def choose_availability(session: Session, actor: Actor, user_id: int, state: str) -> None:
    """Available (takes chats and automatic assignments), away or off (neither; working hours
    and covers also count, desk.queries.duty); recorded; commits."""
    if state not in AVAILABILITY:
        raise ValueError(f"unknown availability {state!r}")
    user = session.get(User, user_id)
    assert user is not None and user.id is not None
    if user.availability != state:
        record(session, actor, "user", user.id, "updated",
               {"availability": [user.availability, state]})
        user.availability = state
        session.add(user)
    commit(session)


def save_kb_writer(session: Session, actor: Actor, user: User, writer: bool) -> None:
    """`set_kb_writer`, committed."""
    set_kb_writer(session, actor, user, writer)
    commit(session)


def set_locale(session: Session, actor: Actor, user: User, locale: str) -> None:
    assert user.id is not None
    if user.locale != locale:
        record(session, actor, "user", user.id, "updated", {"locale": [user.locale, locale]})
        user.locale = locale
        session.add(user)


def set_kb_writer(session: Session, actor: Actor, user: User, writer: bool) -> None:
    """Grant or take back the right to write knowledge-base articles (agents; supervisors
    and admins always have it)."""
    assert user.id is not None
    if user.kb_writer != writer:
        record(session, actor, "user", user.id, "updated", {"kb_writer": [user.kb_writer, writer]})
        user.kb_writer = writer
        session.add(user)


def ensure_team(session: Session, actor: Actor, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
        assert team.id is not None
        record(session, actor, "team", team.id, "created", {"name": [None, name]})
    return team


def add_to_team(session: Session, actor: Actor, user: User, team: Team) -> None:
    assert user.id is not None and team.id is not None
    if session.get(TeamMembership, (team.id, user.id)) is None:
        session.add(TeamMembership(team_id=team.id, user_id=user.id))
        record(session, actor, "user", user.id, "joined_team", {"team": [None, team.name]})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, actor: Actor, user: User, name: str = "") -> str:
    """A new API token for ``user`` with every scope and no expiry; the clear token is
    returned once and never stored."""
    return issue_token(session, actor, user, name)[1]


def issue_token(session: Session, actor: Actor, user: User, name: str, scopes: str = ALL_SCOPES,
                expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token row (``scopes`` space-separated, checked by the caller) and the clear
    token, which is never stored; audited, in the caller's transaction."""
    assert user.id is not None
    token = "desk_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), name=name, scopes=scopes,
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    assert row.id is not None
    record(session, actor, "api_token", row.id, "created",
           {"user": [None, user.email], "name": [None, name], "scopes": [None, scopes],
            "expires_at": [None, expires_at.isoformat() if expires_at else None]})
    return row, token


def revoke_token(session: Session, actor: Actor, token: ApiToken) -> None:
    """The token stops working at once; audited, in the caller's transaction."""
    assert token.id is not None
    if token.revoked_at is not None:
        return
    token.revoked_at = now()
    session.add(token)
    record(session, actor, "api_token", token.id, "revoked")


def sign_out_elsewhere(session: Session, user: User, keep: str) -> int:
    """Every session of ``user`` but the one of token ``keep`` ends; committed."""
    ended = end_all_sessions(session, Actor.of_user(user), user, keep=keep)
    commit(session)
    return ended


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    """Deactivate (every session and API token stops working at once) or reactivate a staff
    member; audited, committed."""
    if user.is_active == active:
        return
    user.is_active = active
    session.add(user)
    if not active:
        end_all_sessions(session, actor, user)
    record(session, actor, "user", user.id or 0, "updated", {"is_active": [not active, active]})
    commit(session)


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """A new password; every session of the account ends (a thief's too). Committed."""
    if len(password) < 8:
        raise UserError("a password has at least 8 characters")
    user.password_hash = hash_password(password)
    session.add(user)
    end_all_sessions(session, actor, user)
    record(session, actor, "user", user.id or 0, "password_changed")
    commit(session)
