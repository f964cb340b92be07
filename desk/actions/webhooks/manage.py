"""Webhooks as an admin keeps them: checked (the URL must not point into a private network
unless the admin allows it), saved, switched off, deleted, their secret replaced; a test
event and a resend queued. Every change is audited; the secret never is."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from channels.webhooks.addresses import RefusedAddress, Resolver, resolve, system_resolver
from desk.actions.audit import Actor, record
from desk.actions.inserts import insert_row
from desk.actions.jobs import enqueue
from desk.actions.webhooks.outbox import DELIVERIES, JOB, delivery_row
from desk.db import commit
from desk.i18n import _
from desk.models import Webhook, WebhookDelivery, WebhookEvent
from desk.models.base import now
from desk.models.webhooks import WEBHOOK_EVENTS
from desk.secrets import decrypt, encrypt

REFUSALS = {
    "scheme": _("The address must start with http:// or https://."),
    "credentials": _("Leave the user name and password out of the address."),
    "host": _("The address names no host Desk can reach."),
    "unresolvable": _("The host name does not resolve."),
    "private": _("The address points into a private network (loopback, private, link-local, "
                 "shared or reserved addresses). An admin can allow private networks for this "
                 "webhook."),
}


@dataclass
class WebhookForm:
    """What the webhook form or the API sends (so it can be shown back when refused)."""

    name: str = ""
    url: str = ""
    events: list[str] = field(default_factory=list)
    active: bool = True
    allow_private: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # field: a message to show
    codes: dict[str, str] = field(default_factory=dict)  # field: a reason code (the API's)


def form_of(webhook: Webhook) -> WebhookForm:
    return WebhookForm(name=webhook.name, url=webhook.url, events=list(webhook.events),
                       active=webhook.active, allow_private=webhook.allow_private)


def check_url(url: str, allow_private: bool, resolver: Resolver = system_resolver) -> str | None:
    """Why Desk will not send to `url` (a code of REFUSALS), or None."""
    try:
        resolve(url, allow_private, resolver)
    except RefusedAddress as exc:
        return exc.code
    return None


def _refuse(form: WebhookForm, name: str, code: str, message: str) -> None:
    form.errors[name] = message
    form.codes[name] = code


def check_webhook(form: WebhookForm, resolver: Resolver = system_resolver) -> dict[str, Any]:
    """The webhook's values; fills `form.errors` (field: reason) when one is wrong."""
    name = form.name.strip()
    url = form.url.strip()
    if len(name) > 200:
        _refuse(form, "name", "too_long", _("At most 200 characters."))
    if not url or len(url) > 2000:
        _refuse(form, "url", "required" if not url else "too_long",
                _("Give the address to send to (at most 2,000 characters)."))
    else:
        refusal = check_url(url, form.allow_private, resolver)
        if refusal:
            _refuse(form, "url", f"refused_{refusal}", REFUSALS[refusal])
    events = [e for e in WEBHOOK_EVENTS if e in form.events]
    if not events or len(events) != len(set(form.events)):
        _refuse(form, "events", "invalid_choice" if form.events else "required",
                _("Choose at least one event."))
    return dict(name=name, url=url, events=events, active=form.active,
                allow_private=form.allow_private)


def create_webhook(session: Session, actor: Actor, secret_key: str, form: WebhookForm,
                   resolver: Resolver = system_resolver) -> tuple[Webhook, str] | None:
    """The new webhook and its secret (shown once); None, with `form.errors`, when refused."""
    values = check_webhook(form, resolver)
    if form.errors:
        return None
    secret = new_secret()
    webhook = Webhook(secret=encrypt(secret_key, secret), **values)
    session.add(webhook)
    session.flush()
    assert webhook.id is not None
    record(session, actor, "webhook", webhook.id, "created", {k: [None, v] for k, v in values.items()})
    commit(session)
    return webhook, secret


def update_webhook(session: Session, actor: Actor, webhook: Webhook, form: WebhookForm,
                   resolver: Resolver = system_resolver) -> Webhook | None:
    """Change a webhook (switching it off too); None, with `form.errors`, when refused."""
    values = check_webhook(form, resolver)
    if form.errors:
        return None
    diff = {k: [getattr(webhook, k), v] for k, v in values.items() if getattr(webhook, k) != v}
    if diff:
        for key, (_before, after) in diff.items():
            setattr(webhook, key, after)
        webhook.updated_at = now()
        session.add(webhook)
        assert webhook.id is not None
        record(session, actor, "webhook", webhook.id, "updated", diff)
    commit(session)
    return webhook


def delete_webhook(session: Session, actor: Actor, webhook: Webhook) -> None:
    """The webhook and its delivery log go; jobs still queued for it find nothing to send."""
    assert webhook.id is not None
    session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id))
    record(session, actor, "webhook", webhook.id, "deleted", {"url": [webhook.url, None]})
    session.delete(webhook)
    commit(session)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def rotate_secret(session: Session, actor: Actor, secret_key: str, webhook: Webhook) -> str:
    """A new signing secret (the old one stops at once); returned to be shown once."""
    assert webhook.id is not None
    secret = new_secret()
    webhook.secret = encrypt(secret_key, secret)
    webhook.updated_at = now()
    session.add(webhook)
    record(session, actor, "webhook", webhook.id, "secret_replaced", {})
    commit(session)
    return secret


def signing_secret(secret_key: str, webhook: Webhook) -> str:
    return decrypt(secret_key, webhook.secret)


def send_test(session: Session, actor: Actor, webhook: Webhook) -> int:
    """Queue a `webhook.test` delivery to this webhook; its id."""
    assert webhook.id is not None
    stamp = now()
    body = {"type": WebhookEvent.test, "id": secrets.token_hex(16), "occurred_at": stamp.isoformat(),
            "webhook": {"id": webhook.id, "name": webhook.name}}
    delivery_id = insert_row(session, DELIVERIES, delivery_row(webhook.id, WebhookEvent.test, body))
    enqueue(session, JOB, delivery_id=delivery_id)
    record(session, actor, "webhook", webhook.id, "test_sent", {"delivery": [None, delivery_id]})
    commit(session)
    return delivery_id


def resend(session: Session, actor: Actor, delivery: WebhookDelivery) -> int:
    """Send a delivery's payload again, as a new delivery in the log; its id."""
    assert delivery.id is not None
    delivery_id = insert_row(session, DELIVERIES, delivery_row(
        delivery.webhook_id, delivery.event, delivery.payload, resent_from_id=delivery.id))
    enqueue(session, JOB, delivery_id=delivery_id)
    record(session, actor, "webhook", delivery.webhook_id, "resent",
           {"delivery": [delivery.id, delivery_id]})
    commit(session)
    return delivery_id
