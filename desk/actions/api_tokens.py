"""API tokens with scopes and an expiry: made (shown once), used, revoked. Only a token's
SHA-256 is stored. A use is written on the token at most once a minute, and into the audit
log at most once an hour per token, so a busy integration does not fill either."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.users import issue_token, revoke_token
from desk.db import committed
from desk.i18n import _
from desk.models import ApiToken, User
from desk.models.base import aware, now
from desk.models.users import SCOPES

USE_WRITTEN_EVERY = timedelta(minutes=1)
USE_AUDITED_EVERY = timedelta(hours=1)
MAX_NAME = 100
LONGEST = timedelta(days=3660)


class TokenError(InputError):
    """A token request that cannot be done; ``field`` names the form field at fault."""


def checked_scopes(scopes: Iterable[str]) -> str:
    """The scopes as stored (known ones, in SCOPES order); raises TokenError when one is
    unknown or none is given."""
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = wanted - set(SCOPES)
    if unknown:
        raise TokenError("scopes", _("Unknown scope: %(scope)s."), scope=sorted(unknown)[0])
    if not wanted:
        raise TokenError("scopes", _("Choose at least one scope."))
    return " ".join(s for s in SCOPES if s in wanted)


def add_token(session: Session, actor: Actor, user: User, name: str, scopes: Iterable[str],
              expires_at: datetime | None) -> tuple[ApiToken, str]:
    """A new token of ``user`` in the caller's transaction; returns the row and the clear
    token, which is never stored (show it once)."""
    assert user.id is not None
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise TokenError("name", _("This is too long."))
    stored = checked_scopes(scopes)
    if expires_at is not None and not now() < expires_at < now() + LONGEST:
        raise TokenError("expires", _("Choose a date in the future."))
    return issue_token(session, actor, user, name, stored, expires_at)


def make_token(session: Session, actor: Actor, user: User, name: str, scopes: Iterable[str],
               expires_at: datetime | None) -> tuple[ApiToken, str]:
    """`add_token`, committed."""
    with committed(session):
        return add_token(session, actor, user, name, scopes, expires_at)


def revoke_own_token(session: Session, user: User, token: ApiToken) -> None:
    """A staff member revokes one of their tokens (another's is left alone). Commits."""
    if token.user_id != user.id:
        return
    with committed(session):
        revoke_token(session, Actor.of_user(user), token)


def revoke_member_token(session: Session, actor: Actor, member: User, token: ApiToken) -> None:
    """An admin revokes a token of ``member`` (a token of someone else is left alone, so
    a URL naming another member's token revokes nothing); audited. Commits."""
    if token.user_id != member.id:
        return
    with committed(session):
        revoke_token(session, actor, token)


def note_use(session: Session, token: ApiToken, user: User, address: str) -> None:
    """Remember that ``token`` was just used (see the module for how often it is written);
    commits when it writes."""
    stamp = now()
    values: dict[str, datetime] = {}
    if token.last_used_at is None or aware(token.last_used_at) < stamp - USE_WRITTEN_EVERY:
        values["last_used_at"] = stamp
    audit = token.use_recorded_at is None or aware(token.use_recorded_at) < stamp - USE_AUDITED_EVERY
    if audit:
        values["use_recorded_at"] = stamp
    if not values:
        return
    with committed(session):
        query = update(ApiToken).where(col(ApiToken.id) == token.id)
        if audit:
            # Two processes may both see the hour as over: only the one that moves the
            # stamp writes the audit row.
            query = query.where(col(ApiToken.use_recorded_at).is_(None)
                                | (col(ApiToken.use_recorded_at) < stamp - USE_AUDITED_EVERY))
        moved = session.execute(query.values(**values)).rowcount  # type: ignore[attr-defined]
        if audit and moved:
            record(session, Actor.of_user(user, via_api=True), "api_token", token.id or 0, "used",
                   {"address": [None, address[:64]]})
