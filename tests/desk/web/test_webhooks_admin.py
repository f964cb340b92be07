"""The webhooks admin page: an admin adds a webhook (the secret shown once), sends a test
event, sees the receiver's answer in the delivery log, resends, rotates the secret, switches
it off and deletes it; a private address is refused beside the field unless allowed; every
change is in the audit log; agents and supervisors are refused; forms need the CSRF token."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlmodel import col, select
from starlette.testclient import TestClient

from channels.webhooks.signing import verify
from desk.db import Database
from desk.jobs.runner import due_jobs, execute_job
from desk.models import AuditEntry, User, Webhook, WebhookDelivery
from tests.conftest import csrf_of, sign_in
from tests.webhook_receiver import Receiver

ALL = ["ticket.created", "ticket.updated", "ticket.solved", "customer.replied", "survey.answered"]


def _run_jobs(db: Database) -> None:
    for job_id in due_jobs(db):
        execute_job(db, job_id)


def test_an_admin_adds_tests_resends_rotates_switches_off_and_deletes_a_webhook(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    receiver = Receiver(answers=[500]).start()
    try:
        sign_in(client, make_user("admin"))
        token = csrf_of(client, "/admin/webhooks")
        refused = client.post("/admin/webhooks", data={
            "csrf_token": token, "name": "CRM", "url": receiver.url, "events": ALL, "active": "1"})
        assert refused.status_code == 400 and "private network" in refused.text
        assert receiver.url in refused.text  # the input is kept
        made = client.post("/admin/webhooks", data={
            "csrf_token": token, "name": "CRM", "url": receiver.url, "events": ["ticket.created"],
            "active": "1", "allow_private": "1"})
        assert made.status_code == 201
        secret = re.search(r"whsec_[\w-]+", made.text)
        assert secret is not None
        with db.session() as s:
            [webhook] = s.exec(select(Webhook)).all()
            assert secret.group(0) not in webhook.secret  # encrypted at rest
        page = client.get(f"/admin/webhooks/{webhook.id}")
        assert secret.group(0) not in page.text  # shown once

        client.post(f"/admin/webhooks/{webhook.id}/test", data={"csrf_token": token})
        _run_jobs(db)
        got = receiver.received[0]
        assert got.headers["X-Desk-Event"] == "webhook.test"
        assert verify(secret.group(0), got.headers["X-Desk-Timestamp"], got.body,
                      got.headers["X-Desk-Signature"], time.time())
        log = client.get(f"/admin/webhooks/{webhook.id}").text
        assert '<span class="response-code">500</span>' in log and "maintenance" in log
        with db.session() as s:
            [delivery] = s.exec(select(WebhookDelivery)).all()
        resent = client.post(f"/admin/webhooks/{webhook.id}/deliveries/{delivery.id}/resend",
                             data={"csrf_token": token}, follow_redirects=False)
        assert resent.status_code == 303
        _run_jobs(db)
        assert '<span class="response-code">200</span>' in client.get(f"/admin/webhooks/{webhook.id}").text

        rotated = client.post(f"/admin/webhooks/{webhook.id}/secret", data={"csrf_token": token})
        new_secret = re.search(r"whsec_[\w-]+", rotated.text)
        assert new_secret is not None and new_secret.group(0) != secret.group(0)

        off = client.post(f"/admin/webhooks/{webhook.id}", data={
            "csrf_token": token, "name": "CRM", "url": receiver.url, "events": ["ticket.created"],
            "allow_private": "1"}, follow_redirects=False)
        assert off.status_code == 303
        assert ">Off<" in client.get("/admin/webhooks").text
        gone = client.post(f"/admin/webhooks/{webhook.id}/delete", data={"csrf_token": token},
                           follow_redirects=False)
        assert gone.status_code == 303
        assert client.get(f"/admin/webhooks/{webhook.id}").status_code == 404
        with db.session() as s:
            assert s.exec(select(WebhookDelivery)).all() == []
            actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity == "webhook")
                                                 .order_by(col(AuditEntry.id)))]
            secrets_logged = [e for e in s.exec(select(AuditEntry)) if "whsec_" in str(e.changes)]
        assert actions == ["created", "test_sent", "resent", "secret_replaced", "updated", "deleted"]
        assert secrets_logged == []
    finally:
        receiver.stop()


def test_webhook_pages_are_for_admins_and_forms_need_the_token(
    client: TestClient, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("supervisor"))
    assert client.get("/admin/webhooks").status_code == 403
    client.cookies.clear()
    sign_in(client, make_user("admin"))
    forged = client.post("/admin/webhooks", data={"name": "x", "url": "https://93.184.216.34/",
                                                  "events": ["ticket.created"]})
    assert forged.status_code == 403


def test_an_event_must_be_chosen_and_an_address_given(
    client: TestClient, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/admin/webhooks")
    refused = client.post("/admin/webhooks", data={"csrf_token": token, "url": "ftp://93.184.216.34/"})
    assert refused.status_code == 400
    assert "Choose at least one event." in refused.text and "http:// or https://" in refused.text


def test_the_delivery_log_pages_back_to_older_deliveries(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    from desk.actions.audit import SYSTEM
    from desk.actions.webhooks.manage import WebhookForm, create_webhook, send_test

    with db.session() as s:
        made = create_webhook(s, SYSTEM, "test-secret", WebhookForm(
            url="https://93.184.216.34/hook", events=["ticket.created"]))
        assert made is not None
        webhook = made[0]
        first = send_test(s, SYSTEM, webhook)
        for _ in range(50):
            send_test(s, SYSTEM, webhook)
    sign_in(client, make_user("admin"))
    page = client.get(f"/admin/webhooks/{webhook.id}").text
    assert page.count("data-delivery=") == 50 and f'data-delivery="{first}"' not in page
    older = re.search(r'href="(/admin/webhooks/\d+\?before=\d+)#deliveries"', page)
    assert older is not None
    back = client.get(older.group(1)).text
    assert back.count("data-delivery=") == 1 and f'data-delivery="{first}"' in back
