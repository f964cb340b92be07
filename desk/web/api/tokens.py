"""Bearer-token authentication for the API: who is calling, or 401."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session
from starlette.requests import Request

from desk.actions.users import token_hash
from desk.db import Database
from desk.models import User
from desk.queries.users import token_owner
from desk.web.errors import ApiError

# Tokens made by create_token are "desk_" + 43 characters; anything far longer is not one.
MAX_TOKEN_LENGTH = 200


class Unauthorized(ApiError):
    """401 with the challenge RFC 6750 asks for."""

    def __init__(self, reason: str, invalid_token: bool) -> None:
        super().__init__(401, reason)
        challenge = 'Bearer realm="desk"'
        if invalid_token:
            challenge += ', error="invalid_token"'
        self.headers = {"WWW-Authenticate": challenge}


def bearer_token(request: Request) -> str:
    """The token from ``Authorization: Bearer <token>``; raises Unauthorized without one."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token", invalid_token=False)
    return token


def token_user(session: Session, token: str) -> User:
    """The active user owning an unrevoked ``token``; raises Unauthorized otherwise."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("invalid or revoked token", invalid_token=True)
    user = token_owner(session, token_hash(token))
    if user is None or not user.is_active:
        raise Unauthorized("invalid or revoked token", invalid_token=True)
    return user


@contextmanager
def authenticated(request: Request) -> Iterator[tuple[Session, User]]:
    """A database session and the token's user, checked before anything else runs."""
    token = bearer_token(request)
    db: Database = request.app.state.db
    with db.session() as session:
        yield session, token_user(session, token)
