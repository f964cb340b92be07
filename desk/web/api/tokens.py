"""Bearer-token authentication for the API: who is calling (or 401), and whether the token's
scopes cover what the request does (or 403)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session
from starlette.requests import Request

from desk.actions.api_tokens import note_use
from desk.actions.users import token_hash
from desk.db import Database
from desk.models import User
from desk.models.base import aware, now
from desk.queries.account_security import token_and_owner
from desk.web.errors import ApiError

# Tokens made by create_token are "desk_" + 43 characters; anything far longer is not one.
MAX_TOKEN_LENGTH = 200
READING = frozenset({"GET", "HEAD", "OPTIONS"})
# The first part of an API path and the area whose scopes it needs; what is not here (rules,
# quarantine, the audit log, anything new) needs "admin".
AREAS = {"tickets": "tickets", "macros": "tickets", "customers": "customers",
         "organizations": "customers", "kb": "kb", "reports": "reports"}


class Unauthorized(ApiError):
    """401 with the challenge RFC 6750 asks for."""

    def __init__(self, reason: str, invalid_token: bool) -> None:
        super().__init__(401, reason)
        challenge = 'Bearer realm="desk"'
        if invalid_token:
            challenge += ', error="invalid_token"'
        self.headers = {"WWW-Authenticate": challenge}


class Forbidden(ApiError):
    """403: a live token whose scopes do not cover the request."""

    def __init__(self, scope: str) -> None:
        super().__init__(403, f"this token's scopes do not include {scope}")
        self.headers = {"WWW-Authenticate": f'Bearer realm="desk", error="insufficient_scope", '
                                            f'scope="{scope}"'}


def bearer_token(request: Request) -> str:
    """The token from ``Authorization: Bearer <token>``; raises Unauthorized without one."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token", invalid_token=False)
    return token


def needed_scope(method: str, path: str) -> str:
    """The scope a request needs: ``area:read`` or ``area:write`` by its path, else admin."""
    area = AREAS.get(path.partition("/api/v1/")[2].split("/", 1)[0])
    if area is None:
        return "admin"
    return f"{area}:read" if method in READING else f"{area}:write"


def token_user(session: Session, token: str, scope: str = "admin", address: str = "") -> User:
    """The active user owning a live ``token`` whose scopes include ``scope`` (or admin);
    raises Unauthorized (unknown, revoked, expired, inactive) or Forbidden (scope). The use
    is noted on the token."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("invalid or revoked token", invalid_token=True)
    found = token_and_owner(session, token_hash(token))
    if found is None or found[0].revoked_at is not None or not found[1].is_active:
        raise Unauthorized("invalid or revoked token", invalid_token=True)
    row, user = found
    if row.expires_at is not None and aware(row.expires_at) <= now():
        raise Unauthorized("token expired", invalid_token=True)
    scopes = row.scopes.split()
    if scope not in scopes and "admin" not in scopes:
        raise Forbidden(scope)
    note_use(session, row, user, address)
    return user


@contextmanager
def authenticated(request: Request) -> Iterator[tuple[Session, User]]:
    """A database session and the token's user, checked before anything else runs."""
    token = bearer_token(request)
    db: Database = request.app.state.db
    scope = needed_scope(request.method, request.url.path)
    address = request.client.host if request.client else ""
    with db.session() as session:
        yield session, token_user(session, token, scope, address)
