"""API fixtures: tokens for users, teams, and tickets opened through the real ingest."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import func
from sqlmodel import select

from channels.message import Identity, InboundAttachment, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, create_token, ensure_team
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.settings import Settings

Headers = dict[str, str]


@pytest.fixture
def token_for(db: Database) -> Callable[[User], str]:
    def make(user: User) -> str:
        with db.session() as s:
            token = create_token(s, SYSTEM, user, name="tests")
            commit(s)
        return token
    return make


@pytest.fixture
def auth(token_for: Callable[[User], str]) -> Callable[[User], Headers]:
    """Authorization headers with a fresh token of ``user``."""
    return lambda user: {"Authorization": f"Bearer {token_for(user)}"}


@pytest.fixture
def join_team(db: Database) -> Callable[[User | None, str], int]:
    """The id of team ``name`` (made when missing), with ``user`` as a member."""
    def join(user: User | None, name: str) -> int:
        with db.session() as s:
            team = ensure_team(s, SYSTEM, name)
            if user is not None:
                add_to_team(s, SYSTEM, user, team)
            commit(s)
            assert team.id is not None
            return team.id
    return join


@pytest.fixture
def make_ticket(db: Database, settings: Settings) -> Callable[..., int]:
    """Open a ticket the way a customer's mail does; returns its number."""
    def make(subject: str = "The printer is on fire", email: str = "cleo@example.com",
             text: str = "Please help.", team_id: int | None = None, html: str = "",
             attachments: tuple[InboundAttachment, ...] = (), **changes: object) -> int:
        inbound = InboundMessage(channel="email", sender=Identity("email", email, "Cleo Customer"),
                                 subject=subject, text=text, html=html,
                                 thread=ThreadKeys(message_id=f"<{secrets.token_hex(8)}@mail.example>"),
                                 attachments=attachments)
        with db.session() as s:
            ticket, _ = ingest_message(s, settings, inbound)
            if team_id is not None:
                changes["team_id"] = team_id
            if changes:
                update_ticket(s, SYSTEM, ticket, dict(changes))
            commit(s)
            assert ticket.id is not None
            return ticket.id
    return make


@pytest.fixture
def ticket_count(db: Database) -> Callable[[], int]:
    def count() -> int:
        with db.session() as s:
            return s.exec(select(func.count()).select_from(Ticket)).one()
    return count
