"""Reads for account security: API tokens with their owners, reset links, recovery codes
and the second-factor rule of each role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import (
    ApiToken,
    Mailbox,
    PasswordReset,
    RecoveryCode,
    StaffSession,
    TwoFactorRule,
    User,
)
from desk.queries.users import live_sessions


def token_and_owner(session: Session, hashed: str) -> tuple[ApiToken, User] | None:
    """The token with the SHA-256 ``hashed`` and its owner, revoked or not."""
    row = session.exec(select(ApiToken, User).join(User, col(ApiToken.user_id) == User.id)
                       .where(ApiToken.token_hash == hashed)).first()
    return (row[0], row[1]) if row else None


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A staff member's tokens not revoked, the newest first."""
    return list(session.exec(select(ApiToken).where(
        ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id).desc())))


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def every_token(session: Session) -> list[tuple[ApiToken, User]]:
    """Every token with its owner, by id."""
    rows = session.exec(select(ApiToken, User).join(User, col(ApiToken.user_id) == User.id)
                        .order_by(col(ApiToken.id)))
    return [(t, u) for t, u in rows]


def reset_by_hash(session: Session, hashed: str) -> PasswordReset | None:
    return session.exec(select(PasswordReset).where(PasswordReset.token_hash == hashed)).first()


def get_reset(session: Session, reset_id: int) -> PasswordReset | None:
    return session.get(PasswordReset, reset_id)


def recovery_codes_left(session: Session, user_id: int) -> int:
    return session.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))).one()


def two_factor_rules(session: Session) -> dict[str, bool]:
    """Whether each role must use a second factor (roles without a row: no)."""
    return {r.role: r.required for r in session.exec(select(TwoFactorRule))}


def two_factor_required(session: Session, role: str) -> bool:
    rule = session.get(TwoFactorRule, role)
    return bool(rule and rule.required)


def default_sending_mailbox(session: Session) -> Mailbox | None:
    """The mailbox Desk's own mail leaves from: the enabled one with SMTP and the lowest id."""
    return session.exec(select(Mailbox).where(Mailbox.enabled == True, Mailbox.smtp_host != "")  # noqa: E712
                        .order_by(col(Mailbox.id)).limit(1)).first()


@dataclass(frozen=True)
class AccountSecurity:
    """What "My account" shows of a staff member's sign-in: the second factor, the API
    tokens, the signed-in browsers."""

    two_factor_on: bool
    two_factor_required: bool
    recovery_codes_left: int
    tokens: list[ApiToken]
    sessions: list[StaffSession]


def account_security(session: Session, user: User) -> AccountSecurity:
    assert user.id is not None
    return AccountSecurity(
        two_factor_on=user.totp_enabled_at is not None,
        two_factor_required=two_factor_required(session, user.role),
        recovery_codes_left=recovery_codes_left(session, user.id),
        tokens=tokens_of(session, user.id),
        sessions=live_sessions(session, user))


def members_without_second_factor(session: Session, role: str) -> list[User]:
    """Active staff of ``role`` who have not set up two-step sign-in."""
    return list(session.exec(select(User).where(
        User.role == role, col(User.is_active).is_(True), col(User.totp_enabled_at).is_(None))))
