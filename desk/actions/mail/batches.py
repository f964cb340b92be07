"""A batch of outbox rows sent by one job (`desk.mail.batch_sender`): claimed together, their
outcomes recorded together, one commit each, instead of four commits per mail.

The guarantees are the single sender's: a row is claimed by an UPDATE that only a queued,
due row matches (so no two jobs send it), and it is marked sent only after the server took
it (so a crash between the two sends it again once the claim runs out: at least once)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.actions.jobs import enqueue
from desk.db import commit
from desk.models import OutboundMessage, OutboundStatus
from desk.models.base import now


@dataclass(frozen=True)
class Outcome:
    outbound_id: int
    sent: bool = False
    reason: str = ""  # why not sent
    retry_at: datetime | None = None  # a temporary failure: try again then (None: failed)


def claim_batch(session: Session, outbound_ids: Sequence[int], hold: timedelta) -> list[int]:
    """Take every queued, due row of these for `hold` and count an attempt, in one UPDATE and
    one commit; the ids this job now holds (another job's or a sent row is left). The rows
    taken are told apart by the claim's own end time (`hold` plus a random part of a second),
    which no other claim shares."""
    stamp = now()
    mark = stamp + hold + timedelta(microseconds=secrets.randbelow(1_000_000))
    session.execute(
        update(OutboundMessage)
        .where(col(OutboundMessage.id).in_(outbound_ids),
               col(OutboundMessage.status) == OutboundStatus.queued,
               col(OutboundMessage.next_attempt_at) <= stamp)
        .values(attempts=col(OutboundMessage.attempts) + 1, next_attempt_at=mark))
    commit(session)
    return sorted(i for i in session.exec(select(OutboundMessage.id).where(
        col(OutboundMessage.id).in_(outbound_ids), col(OutboundMessage.next_attempt_at) == mark,
        col(OutboundMessage.status) == OutboundStatus.queued)) if i is not None)


def record_batch(session: Session, outcomes: Sequence[Outcome], released: Sequence[int] = (),
                 held: Sequence[int] = ()) -> None:
    """Every outcome in one commit: sent, failed, or due again with a `send_mail` job at its
    retry time; `released` rows (claimed, not tried) are due at once with a job each; `held`
    rows (still queued, claimed by another attempt, e.g. this job's own that failed before it
    recorded) get a `send_mail` job, which waits for the claim to run out (at least once)."""
    stamp = now()
    sent = [o.outbound_id for o in outcomes if o.sent]
    if sent:  # the usual outcome: one statement for them all
        session.execute(update(OutboundMessage).where(col(OutboundMessage.id).in_(sent)).values(
            status=OutboundStatus.sent, sent_at=stamp, last_error=""))
    for outcome in outcomes:
        values: dict[str, object]
        if outcome.sent:
            continue
        if outcome.retry_at is not None:
            values = {"last_error": outcome.reason, "next_attempt_at": outcome.retry_at}
            enqueue(session, "send_mail", run_at=outcome.retry_at, outbound_id=outcome.outbound_id)
        else:
            values = {"status": OutboundStatus.failed, "last_error": outcome.reason}
        session.execute(update(OutboundMessage).where(
            col(OutboundMessage.id) == outcome.outbound_id).values(**values))
    for outbound_id in released:
        session.execute(update(OutboundMessage).where(col(OutboundMessage.id) == outbound_id)
                        .values(next_attempt_at=stamp, attempts=col(OutboundMessage.attempts) - 1))
        enqueue(session, "send_mail", outbound_id=outbound_id)
    for outbound_id in held:
        enqueue(session, "send_mail", outbound_id=outbound_id)
    commit(session)


def still_queued(session: Session, outbound_ids: Sequence[int]) -> list[int]:
    """Which of these rows are still queued (not sent, not failed)."""
    if not outbound_ids:
        return []
    return [i for i in session.exec(select(OutboundMessage.id).where(
        col(OutboundMessage.id).in_(outbound_ids),
        col(OutboundMessage.status) == OutboundStatus.queued)) if i is not None]
