"""Delivering a webhook: the `deliver_webhook` job's work, one attempt per job.

Read the delivery if it is due, judge the URL's address again (a
name can resolve elsewhere since it was saved), sign the body with the webhook's secret and a
fresh timestamp, POST it (10 s to connect, 10 s for the answer, no redirects), and record
the answer (`desk.actions.webhooks.delivering`); a failure queues the next attempt after the
runner's backoff."""

from __future__ import annotations

import json
import logging
import time

from channels.webhooks.addresses import RefusedAddress, Resolver, resolve, system_resolver
from channels.webhooks.post import post
from channels.webhooks.signing import signature
from desk.actions.webhooks.delivering import record_attempt
from desk.actions.webhooks.manage import REFUSALS, signing_secret
from desk.db import Database
from desk.jobs.backoff import backoff
from desk.models import Webhook
from desk.models.base import now
from desk.queries.webhooks import due_delivery
from desk.secrets import SecretError

log = logging.getLogger("desk.webhooks")


def deliver(db: Database, delivery_id: int, resolver: Resolver = system_resolver) -> None:
    """One attempt at a delivery, if it is pending and due (see the module)."""
    with db.session() as session:
        delivery = due_delivery(session, delivery_id)
        if delivery is None:
            return
        webhook = session.get(Webhook, delivery.webhook_id)
        if webhook is None or not webhook.active:
            record_attempt(session, delivery, None, "the webhook is switched off", retry_at=None)
            return
        url, allow_private = webhook.url, webhook.allow_private
        try:
            secret = signing_secret(str(db.settings.secret_key), webhook)
        except SecretError as exc:
            record_attempt(session, delivery, None, str(exc), retry_at=None)
            return
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        event, attempts = delivery.event, delivery.attempts + 1
        session.expunge(delivery)
    try:
        target = resolve(url, allow_private, resolver)
    except RefusedAddress as exc:
        answer_code, excerpt, retry = None, f"refused: {REFUSALS[exc.code]} ({exc.detail})", False
    else:
        stamp = int(time.time())
        answer = post(target, body, {
            "X-Desk-Event": event, "X-Desk-Delivery": str(delivery_id),
            "X-Desk-Timestamp": str(stamp), "X-Desk-Signature": signature(secret, stamp, body)})
        answer_code, excerpt, retry = answer.status, answer.excerpt, True
    with db.session() as session:
        session.add(delivery)
        record_attempt(session, delivery, answer_code, excerpt,
                       retry_at=now() + backoff(attempts) if retry else None)
