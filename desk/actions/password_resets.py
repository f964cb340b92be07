"""Password reset by mail. Whoever asks gets the same answer, after the same work, whether
the address belongs to an account or not: the answer only records the request; the
`prepare_password_reset` job then makes an account's link and `send_password_reset` mails it.

A link works once, for LIFETIME, and only while the account's password is the one it was
made for. Its token is derived from DESK_SECRET_KEY and the reset row (the job that mails it
derives it again), and only its SHA-256 is stored: the database alone opens no account.
Requests are throttled per address typed and per network address, counted in the database
like sign-in failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.jobs import enqueue
from desk.actions.staff import MAX_PASSWORD, StaffError, checked_password
from desk.actions.staff_sessions import end_all_sessions
from desk.actions.users import hash_password, token_hash
from desk.db import committed
from desk.i18n import _, gettext_for
from desk.models import PasswordReset, ResetRequest, User
from desk.models.base import aware, now

LIFETIME = timedelta(minutes=30)
WINDOW = timedelta(hours=1)
EMAIL_REQUESTS = 3  # per address typed per WINDOW: a mailbox is not flooded with links
ADDRESS_REQUESTS = 20  # per network address per WINDOW


def password_mark(user: User) -> str:
    """What ties a link to the password it was made for: any new password changes it."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def reset_token(secret_key: str, reset: PasswordReset) -> str:
    """The token of a reset link, derived again from the key and the row."""
    message = f"desk password reset {reset.id} {reset.user_id} {reset.password_mark}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return f"{reset.id}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def request_reset(session: Session, email: str, address: str) -> bool:
    """Someone asks for a reset link for ``email``. Whether it belongs to an account is
    looked at later, by the `prepare_password_reset` job, so this answer does the same work
    for every address. Returns False when the asking is throttled. Commits."""
    email = email.strip().lower()[:320]
    address = address[:64]
    if throttled(session, email, address):
        return False
    with committed(session):
        asked = ResetRequest(email=email, address=address)
        session.add(asked)
        session.flush()
        enqueue(session, "prepare_password_reset", request_id=asked.id)
    return True


def prepare_reset(session: Session, secret_key: str, request_id: int) -> None:
    """For a request naming an active account: its reset link (the row, audited) and the
    job that mails it. Nothing for any other address. Commits."""
    asked = session.get(ResetRequest, request_id)
    if asked is None:
        return
    user = session.exec(select(User).where(User.email == asked.email)).first()
    if user is None or not user.is_active:
        return
    assert user.id is not None
    with committed(session):
        reset = PasswordReset(user_id=user.id, token_hash=secrets.token_hex(32),
                              password_mark=password_mark(user),
                              expires_at=aware(asked.at) + LIFETIME, address=asked.address)
        session.add(reset)
        session.flush()
        reset.token_hash = token_hash(reset_token(secret_key, reset))
        session.add(reset)
        record(session, Actor("visitor", None, asked.address), "user", user.id,
               "password_reset_asked", {"address": [None, asked.address]})
        enqueue(session, "send_password_reset", reset_id=reset.id)


def throttled(session: Session, email: str, address: str) -> bool:
    since = now() - WINDOW
    for column, value, most in ((ResetRequest.email, email, EMAIL_REQUESTS),
                                (ResetRequest.address, address, ADDRESS_REQUESTS)):
        count = session.exec(select(func.count()).select_from(ResetRequest).where(
            col(column) == value, col(ResetRequest.at) >= since)).one()
        if count >= most:
            return True
    return False


def usable_reset(session: Session, token: str) -> tuple[PasswordReset, User] | None:
    """The reset and account a link's token opens, while it may still be used."""
    if len(token) > 200:
        return None
    reset = session.exec(select(PasswordReset).where(
        PasswordReset.token_hash == token_hash(token))).first()
    if reset is None or reset.used_at is not None or aware(reset.expires_at) <= now():
        return None
    user = session.get(User, reset.user_id)
    if user is None or not user.is_active or password_mark(user) != reset.password_mark:
        return None
    return reset, user


def complete_reset(session: Session, token: str, password: str, repeat: str, address: str) -> User:
    """The new password of the link's account; the link is used up, every session of the
    account ends, and it is audited. Raises StaffError (field ``token`` when the link no
    longer works). Commits."""
    found = usable_reset(session, token)
    if found is None:
        raise StaffError("token", _("This link has expired or was used already. Ask for a new one."))
    reset, user = found
    password = checked_password(password[:MAX_PASSWORD + 1], "new_password")
    if password != repeat:
        raise StaffError("repeat_password", _("The two new passwords differ."))
    new_hash = hash_password(password)
    with committed(session):
        # Taken with one statement: two submissions of the same link cannot both win.
        taken = session.execute(update(PasswordReset).where(
            col(PasswordReset.id) == reset.id, col(PasswordReset.used_at).is_(None))
            .values(used_at=now())).rowcount  # type: ignore[attr-defined]
        if not taken:
            raise StaffError("token", _("This link has expired or was used already. Ask for a new one."))
        user.password_hash = new_hash
        session.add(user)
        actor = Actor("user", user.id, user.name)
        end_all_sessions(session, actor, user)
        record(session, actor, "user", user.id or 0, "password_reset_by_mail",
               {"address": [None, address[:64]]})
    return user


def reset_mail(session: Session, secret_key: str, base_url: str,
               reset_id: int) -> tuple[str, str, str] | None:
    """The reset mail (to, subject, text) in the account's language; None when its link no
    longer works (used, expired, the password changed since), so a late job mails nothing."""
    reset = session.get(PasswordReset, reset_id)
    if reset is None:
        return None
    token = reset_token(secret_key, reset)
    if usable_reset(session, token) is None:
        return None
    user = session.get(User, reset.user_id)
    assert user is not None
    link = f"{base_url.rstrip('/')}/agent/password-reset?token={token}"
    minutes = int(LIFETIME.total_seconds() // 60)
    subject = gettext_for(user.locale, _("Set a new Desk password"))
    text = gettext_for(user.locale, _(
        "Hello %(name)s,\n\nsomeone (we hope you) asked to set a new password for your Desk "
        "account %(email)s. Open this link within %(minutes)s minutes to choose it:\n\n%(link)s\n\n"
        "The link works once. If you did not ask, ignore this mail: your password stays as it is."
    )) % {"name": user.name, "email": user.email, "minutes": minutes, "link": link}
    return user.email, subject, text
