"""Staff: users, teams and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class Role(StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)
    name: str = Field(max_length=200)
    role: str = Field(default=Role.agent, max_length=20)
    password_hash: str = Field(default="", max_length=200)
    locale: str = Field(default="en", max_length=10)
    is_active: bool = Field(default=True)
    # Agents with this right write knowledge-base articles; supervisors and admins always may.
    kb_writer: bool = Field(default=False)
    # available: takes chats and automatic assignments; away: neither (set by themselves).
    availability: str = Field(default="available", max_length=10)
    created_at: datetime = Field(default_factory=now)
    # The TOTP second factor: the secret encrypted at rest (desk.secrets), set at enrolment
    # and in force once confirmed (`totp_enabled_at`); the last time step a code was taken
    # for, so a code is never taken twice.
    totp_secret: str = Field(default="", max_length=300)
    totp_enabled_at: datetime | None = None
    totp_last_step: int = Field(default=0, sa_type=BigInteger)


# Every scope an API token can have; tokens made before scopes existed have them all.
SCOPES = ("tickets:read", "tickets:write", "customers:read", "customers:write", "kb:read",
          "kb:write", "reports:read", "admin")
ALL_SCOPES = " ".join(SCOPES)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    # Agents of other teams may open this team's tickets to read them (not to change them).
    readable_by_all: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class TeamMembership(SQLModel, table=True):
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored (tokens are 256 random bits)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    name: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=now)
    revoked_at: datetime | None = None
    # What it may do (space-separated, of SCOPES) and until when.
    scopes: str = Field(default=ALL_SCOPES, max_length=300)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    # When a use last went into the audit log (at most once an hour per token).
    use_recorded_at: datetime | None = None


class SignInFailure(SQLModel, table=True):
    """A wrong password (or unknown account) at the sign-in page: what the throttle counts,
    per account and per address, in every process alike."""

    __table_args__ = (
        Index("ix_signinfailure_email_at", "email", "at"),
        Index("ix_signinfailure_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)


class StaffSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds only a random token (its SHA-256 is stored),
    so signing out, or out everywhere, ends a session for good, even a stolen copy."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=now)
    last_seen_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)
