"""Signed-in browsers of staff, kept on the server: started at sign-in, touched while used,
ended by signing out, by signing out everywhere, by idleness, or when the account is
deactivated or its password changes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.db import commit
from desk.models import StaffSession, User
from desk.models.base import now

# `last_seen_at` is written at most this often: a page view is not a database write.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, address: str, user_agent: str) -> str:
    """A new session for ``user``; returns the token the browser keeps. Commits."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(StaffSession(token_hash=token_hash(token), user_id=user.id, address=address[:64],
                             user_agent=user_agent[:200]))
    commit(session)
    return token


def session_user(session: Session, token: str, idle: timedelta) -> User | None:
    """The active staff member of a live session, the session touched; None when it ended,
    was idle longer than ``idle`` (it ends then), or its account was deactivated."""
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    stamp = now()
    if user is None or not user.is_active or row.last_seen_at < stamp - idle:
        row.ended_at = stamp
        session.add(row)
        commit(session)
        return None
    if row.last_seen_at < stamp - min(TOUCH_EVERY, idle / 10):
        row.last_seen_at = stamp
        session.add(row)
        commit(session)
    return user


def end_session(session: Session, token: str) -> None:
    """Signing out: this browser's session ends (a copy of its cookie is worthless). Commits."""
    session.execute(update(StaffSession).where(
        col(StaffSession.token_hash) == token_hash(token), col(StaffSession.ended_at).is_(None))
        .values(ended_at=now()))
    commit(session)


def end_all_sessions(session: Session, actor: Actor, user: User, keep: str = "") -> int:
    """Every live session of ``user`` ends (but the one of token ``keep``); audited, in the
    caller's transaction. Returns how many ended."""
    query = update(StaffSession).where(
        col(StaffSession.user_id) == user.id, col(StaffSession.ended_at).is_(None))
    if keep:
        query = query.where(col(StaffSession.token_hash) != token_hash(keep))
    ended: int = session.execute(query.values(ended_at=now())).rowcount  # type: ignore[attr-defined]
    if ended:
        record(session, actor, "user", user.id or 0, "sessions_ended", {"sessions": [ended, 0]})
    return ended


def end_one_session(session: Session, user: User, session_id: int) -> bool:
    """One of ``user``'s own sessions (another browser of theirs) ends; audited, committed.
    False when it is not theirs or had ended."""
    ended: int = session.execute(update(StaffSession).where(
        col(StaffSession.id) == session_id, col(StaffSession.user_id) == user.id,
        col(StaffSession.ended_at).is_(None)).values(ended_at=now())).rowcount  # type: ignore[attr-defined]
    if ended:
        record(session, Actor.of_user(user), "user", user.id or 0, "session_ended",
               {"session": [session_id, None]})
    commit(session)
    return bool(ended)
