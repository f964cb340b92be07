"""The outcome of each attempt at a delivery, written by the `deliver_webhook` job.

A job holds one attempt at one delivery, and a delivery has one job at a time (the next is
queued only once an attempt is recorded), so an attempt needs no claim of its own: the job
runner's claim of the job row keeps two runners apart. The attempt is counted when its
answer is recorded, in one commit. A 2xx answer delivers it; anything else waits the job
runner's backoff (10 s, 20 s, 40 s...) and a new job is queued for then, until `ATTEMPTS`
attempts have failed; an address Desk refuses fails it at once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from desk.actions.jobs import enqueue
from desk.actions.webhooks.outbox import JOB
from desk.db import commit
from desk.models import DeliveryStatus, WebhookDelivery
from desk.models.base import now

log = logging.getLogger("desk.webhooks")
ATTEMPTS = 10  # about 85 minutes from the first attempt to the last


def record_attempt(session: Session, delivery: WebhookDelivery, code: int | None, excerpt: str,
                   retry_at: datetime | None) -> None:
    """What the receiver answered (`code` None: no answer, `excerpt` says why); unless it was
    2xx, the next attempt at `retry_at` (the job's backoff), or none when that is None (the
    address is refused, the webhook switched off) or the attempts are spent. Commits."""
    delivery.attempts += 1
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
