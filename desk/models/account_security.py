"""Account security: password resets by mail, their throttle, second-factor recovery codes,
and which roles must use a second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from desk.models.base import now


class PasswordReset(SQLModel, table=True):
    """A reset link sent by mail. Only the token's SHA-256 is kept; the link works once,
    until `expires_at`, and only while the account's password is the one it was made for
    (`password_mark`: a digest of the password hash then)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    password_mark: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
    used_at: datetime | None = None
    address: str = Field(default="", max_length=64)


class ResetRequest(SQLModel, table=True):
    """A "forgot your password" request, for any address typed (known or not): what the
    throttle counts per address typed and per network address."""

    __table_args__ = (
        Index("ix_resetrequest_email_at", "email", "at"),
        Index("ix_resetrequest_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)


class RecoveryCode(SQLModel, table=True):
    """One of a staff member's second-factor recovery codes (its SHA-256); each works once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class TwoFactorRule(SQLModel, table=True):
    """Whether every staff member of ``role`` must sign in with a second factor."""

    role: str = Field(primary_key=True, max_length=20)
    required: bool = False


class PortalSession(SQLModel, table=True):
    """A customer portal sign-in: made by one sign-in link (``link_hash``, the SHA-256 of its
    token, unique: a link signs in once) and named by the portal cookie; signing out sets
    ``ended_at``, so the cookie is refused from then on even if it was copied."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    link_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=now)
    ended_at: datetime | None = None
