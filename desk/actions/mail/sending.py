"""What becomes of an outbox row the sender works on (`desk.mail.sender`): claimed before
it is sent, then sent, deferred to a later attempt, failed, or left waiting for a mailbox.

Each commits: the row's state is the record of the work, and the sender's next step
(talking SMTP, a retry by the job runner) must find it committed. Not audited: this is the
sender's bookkeeping; the ticket page shows the row's state and reason."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from desk.db import commit
from desk.models import OutboundMessage, OutboundStatus
from desk.models.base import now


def claim_outbound(session: Session, outbound_id: int, hold: timedelta) -> bool:
    """Count an attempt and take the row for `hold` (longer than a send can last), in one
    UPDATE; False when it is not queued or not due, e.g. another job is sending it. This is
    what keeps a row from being sent twice."""
    stamp = now()
    result = session.execute(
        update(OutboundMessage)
        .where(col(OutboundMessage.id) == outbound_id,
               col(OutboundMessage.status) == OutboundStatus.queued,
               col(OutboundMessage.next_attempt_at) <= stamp)
        .values(attempts=col(OutboundMessage.attempts) + 1, next_attempt_at=stamp + hold)
    )
    commit(session)
    claimed: bool = result.rowcount == 1  # type: ignore[attr-defined]
    return claimed


def wait_for_mailbox(session: Session, row: OutboundMessage, reason: str) -> None:
    """No mailbox can send it yet: the row stays queued, with `reason` and no attempt counted,
    until adding a mailbox queues it again (`desk.actions.tickets.outbox.queue_waiting`)."""
    row.last_error = reason
    session.add(row)
    commit(session)


def mark_sent(session: Session, row: OutboundMessage) -> None:
    """The server took the mail."""
    row.status, row.sent_at, row.last_error = OutboundStatus.sent, now(), ""
    session.add(row)
    commit(session)


def defer_send(session: Session, row: OutboundMessage, reason: str, retry_at: datetime) -> None:
    """A temporary failure: the row stays queued with the reason, due again at `retry_at`."""
    row.last_error = reason
    row.next_attempt_at = retry_at
    session.add(row)
    commit(session)


def mark_failed(session: Session, row: OutboundMessage, reason: str) -> None:
    """The mail cannot leave (a permanent refusal, the last attempt spent, a mailbox that
    cannot send): failed with the reason; an agent can resend it from the ticket."""
    row.status, row.last_error = OutboundStatus.failed, reason
    session.add(row)
    commit(session)
