"""Webhook fixtures: a local receiver, and webhooks made by the real action."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from desk.actions.audit import SYSTEM
from desk.actions.webhooks.manage import WebhookForm, create_webhook
from desk.db import Database
from desk.jobs.runner import due_jobs, execute_job
from desk.models import Webhook
from desk.models.webhooks import WEBHOOK_EVENTS
from desk.settings import Settings
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_webhook(db: Database, settings: Settings, receiver: Receiver
                 ) -> Callable[..., tuple[Webhook, str]]:
    """A webhook to the local receiver (private networks allowed): (webhook, its secret)."""
    def make(events: tuple[str, ...] = WEBHOOK_EVENTS, **fields: object) -> tuple[Webhook, str]:
        form = WebhookForm(name="CRM", url=receiver.url, events=list(events), allow_private=True)
        for key, value in fields.items():
            setattr(form, key, value)
        with db.session() as s:
            made = create_webhook(s, SYSTEM, str(settings.secret_key), form)
        assert made is not None, form.errors
        return made
    return make


def run_due_jobs(db: Database) -> None:
    """What the job runner does, now: every due job once (a retry waits for its time)."""
    for job_id in due_jobs(db):
        execute_job(db, job_id)
