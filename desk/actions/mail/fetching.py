"""The fetcher's bookkeeping on a mailbox row: the lease that keeps passes from
overlapping, the watermark saved with the raw mail it covers, and the pass's health.

Not audited: this is the fetcher's own state, not a change anybody made. Each function
commits, except where it says it joins the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col

from channels.email.fetch import RawMail, Watermark
from desk.actions.mail.stored import store_raw
from desk.db import commit
from desk.models import Mailbox
from desk.models.base import now

# A pass renews its lease every round; a process killed mid-pass holds it this long at most.
LEASE = timedelta(minutes=5)


def take_fetch_lease(session: Session, mailbox_id: int) -> bool:
    """One pass at a time per mailbox, across threads and processes: True when this pass
    may run (no lease, or an expired one); the lease lasts `LEASE`."""
    stamp = now()
    result = session.execute(
        update(Mailbox)
        .where(col(Mailbox.id) == mailbox_id,
               or_(col(Mailbox.lease_until).is_(None), col(Mailbox.lease_until) < stamp))
        .values(lease_until=stamp + LEASE))
    commit(session)
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def store_fetched(session: Session, mailbox: Mailbox, watermark: Watermark,
                  mails: Sequence[RawMail]) -> list[int]:
    """Store the new raw mail of a batch (with its UIDs) and move the mailbox's watermark
    to what the batch covered (mail already stored included), renewing the lease, in one
    commit: a crash before it fetches the batch again, a crash after finds it stored.
    The ids of the stored mail, in order."""
    ids = store_raw(session, mailbox.name, [m.raw for m in mails],
                    [(watermark.uidvalidity, m.uid) for m in mails])
    session.execute(update(Mailbox).where(col(Mailbox.id) == mailbox.id).values(
        uidvalidity=watermark.uidvalidity, last_uid=watermark.uid, lease_until=now() + LEASE))
    commit(session)
    return ids


def record_fetch_success(session: Session, mailbox_id: int) -> None:
    """The pass went through: release the lease, note when, clear the last error."""
    _finish(session, mailbox_id, last_success_at=now(), last_error="", last_error_at=None)


def record_fetch_failure(session: Session, mailbox_id: int, error: str) -> None:
    """The server (or the stored password) failed the pass: release the lease and show why."""
    _finish(session, mailbox_id, last_error=error[:2000], last_error_at=now())


def release_fetch_lease(session: Session, mailbox_id: int) -> None:
    """The pass ended on something other than the mail server (the database, a bug):
    release the lease and leave the mailbox's health as it was."""
    _finish(session, mailbox_id)


def _finish(session: Session, mailbox_id: int, **health: Any) -> None:
    session.execute(update(Mailbox).where(col(Mailbox.id) == mailbox_id)
                    .values(lease_until=None, **health))
    commit(session)
