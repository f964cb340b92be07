"""The outcome of each attempt at a delivery, written by the `deliver_webhook` job.

An attempt claims the delivery first (one UPDATE: pending and due, its attempts counted and
its next attempt moved past the POST's timeouts), so two jobs never send it at once. A 2xx
answer delivers it; anything else waits the job runner's backoff (10 s, 20 s, 40 s...) and a
new job is queued for then, until `ATTEMPTS` attempts have failed; an address Desk refuses fails
it at once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from desk.actions.jobs import enqueue
from desk.actions.webhooks.outbox import JOB
from desk.db import commit
from desk.models import DeliveryStatus, WebhookDelivery
from desk.models.base import now

log = logging.getLogger("desk.webhooks")
ATTEMPTS = 10  # about 85 minutes from the first attempt to the last
CLAIM = timedelta(seconds=60)  # longer than a POST's connect and read timeouts together


def claim_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    """The delivery, claimed for one attempt; None when it is not pending and due. Commits."""
    claimed = session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id,
               col(WebhookDelivery.status) == DeliveryStatus.pending,
               col(WebhookDelivery.next_attempt_at) <= now())
        .values(attempts=col(WebhookDelivery.attempts) + 1, next_attempt_at=now() + CLAIM)
        .returning(WebhookDelivery)).scalar_one_or_none()
    commit(session)
    return claimed


def record_attempt(session: Session, delivery: WebhookDelivery, code: int | None, excerpt: str,
                   retry_at: datetime | None) -> None:
    """What the receiver answered (`code` None: no answer, `excerpt` says why); unless it was
    2xx, the next attempt at `retry_at` (the job's backoff), or none when that is None (the
    address is refused, the webhook switched off) or the attempts are spent. Commits."""
    delivery.response_code = code
    delivery.response_excerpt = excerpt[:500]
    stamp = now()
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = stamp
    elif retry_at is None or delivery.attempts >= ATTEMPTS:
        delivery.status = DeliveryStatus.failed
    else:
        delivery.next_attempt_at = retry_at
        enqueue(session, JOB, run_at=delivery.next_attempt_at, delivery_id=delivery.id)
    session.add(delivery)
    log.info("webhook=%s delivery=%s attempt=%s answer=%s status=%s", delivery.webhook_id,
             delivery.id, delivery.attempts, code, delivery.status)
    commit(session)
