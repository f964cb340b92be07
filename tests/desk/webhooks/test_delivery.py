"""Webhooks deliver events to a receiver: signed, retried with backoff, logged, resendable;
a switched-off webhook gets nothing; mail that opens a ticket is a ticket.created."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from channels.message import Identity, InboundMessage
from channels.webhooks.signing import verify
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.mail.stored import ingest_stored, store_raw
from desk.actions.tickets.changes import update_ticket
from desk.actions.webhooks.manage import WebhookForm, form_of, resend, update_webhook
from desk.db import Database, commit
from desk.models import DeliveryStatus, Job, Webhook, WebhookDelivery
from desk.models.base import now
from desk.settings import Settings
from tests.webhook_receiver import Receiver

from .conftest import run_due_jobs

MakeWebhook = Callable[..., tuple[Webhook, str]]


def _open_ticket(db: Database, settings: Settings, subject: str = "Invoice is wrong") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "zhang.wei@example.cn", "张伟"), subject, "Please fix it."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _deliveries(db: Database) -> list[WebhookDelivery]:
    with db.session() as s:
        return list(s.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))


def _make_due(db: Database) -> None:
    """Time passes: every waiting attempt and job is due."""
    past = now() - timedelta(seconds=1)
    with db.session() as s:
        s.execute(update(WebhookDelivery).values(next_attempt_at=past))
        s.execute(update(Job).values(run_at=past))
        s.commit()


def test_a_new_ticket_reaches_the_receiver_signed_so_it_can_verify_it(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    webhook, secret = make_webhook()
    number = _open_ticket(db, settings)
    run_due_jobs(db)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.path == "/hooks/desk"
    assert got.headers["X-Desk-Event"] == "ticket.created"
    assert verify(secret, got.headers["X-Desk-Timestamp"], got.body,
                  got.headers["X-Desk-Signature"], now=time.time())
    assert not verify("whsec_another", got.headers["X-Desk-Timestamp"], got.body,
                      got.headers["X-Desk-Signature"], now=time.time())
    assert not verify(secret, got.headers["X-Desk-Timestamp"], got.body + b" ",
                      got.headers["X-Desk-Signature"], now=time.time())
    body = json.loads(got.body)
    assert body["type"] == "ticket.created" and body["occurred_at"]
    assert body["ticket"]["number"] == number
    assert body["ticket"]["subject"] == "Invoice is wrong"
    assert body["ticket"]["customer"] == {"id": body["ticket"]["customer"]["id"],
                                          "name": "张伟", "email": "zhang.wei@example.cn"}
    [delivery] = _deliveries(db)
    assert got.headers["X-Desk-Delivery"] == str(delivery.id)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 1)
    assert delivery.webhook_id == webhook.id and delivery.delivered_at is not None


def test_a_500_is_retried_after_the_backoff_then_delivered(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook()
    receiver.answers = [500]
    _open_ticket(db, settings)
    run_due_jobs(db)
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", 500, 1)
    assert "maintenance" in delivery.response_excerpt
    waited = delivery.next_attempt_at.replace(tzinfo=None) - now().replace(tzinfo=None)
    assert timedelta(seconds=5) < waited <= timedelta(seconds=10)
    run_due_jobs(db)  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    _make_due(db)
    run_due_jobs(db)
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 2)
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


def test_a_failed_delivery_is_resent_from_the_log(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook()
    receiver.answers = [503] * 10
    _open_ticket(db, settings)
    for _ in range(10):
        _make_due(db)
        run_due_jobs(db)
    [failed] = _deliveries(db)
    assert (failed.status, failed.attempts, failed.response_code) == ("failed", 10, 503)
    with db.session() as s:
        resend(s, SYSTEM, failed)
    run_due_jobs(db)
    first, again = _deliveries(db)
    assert first.status == "failed"
    assert (again.status, again.resent_from_id, again.response_code) == ("delivered", first.id, 200)
    assert json.loads(receiver.received[-1].body)["id"] == first.payload["id"]


def test_a_switched_off_webhook_receives_nothing(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    webhook, _ = make_webhook()
    _open_ticket(db, settings, "queued before it was switched off")
    with db.session() as s:
        form = form_of(webhook)
        form.active = False
        assert update_webhook(s, SYSTEM, webhook, form) is not None
    _open_ticket(db, settings, "after")
    run_due_jobs(db)
    assert receiver.received == []
    [waiting] = _deliveries(db)
    assert waiting.status == "failed" and "switched off" in waiting.response_excerpt


def test_only_the_events_chosen_are_sent(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook(events=("ticket.solved",))
    number = _open_ticket(db, settings)
    with db.session() as s:
        from desk.models import Ticket
        ticket = s.get(Ticket, number)
        assert ticket is not None
        update_ticket(s, Actor("user", None, "Ana"), ticket, {"priority": "high"})
        update_ticket(s, Actor("user", None, "Ana"), ticket, {"status": "solved"})
        commit(s)
    run_due_jobs(db)
    assert [r.headers["X-Desk-Event"] for r in receiver.received] == ["ticket.solved"]
    assert json.loads(receiver.received[0].body)["ticket"]["status"] == "solved"


def test_a_ticket_opened_by_mail_is_a_ticket_created(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook(events=("ticket.created", "customer.replied"))
    raw = (b"From: Sarah Johnson <sarah.johnson@acme.example>\r\nTo: support@desk.example\r\n"
           b"Subject: VPN drops every hour\r\nMessage-ID: <vpn-1@acme.example>\r\n\r\n"
           b"Since Monday the VPN drops every hour.\r\n")
    with db.session() as s:
        ids = store_raw(s, "support", [raw])
        commit(s)
        report = ingest_stored(s, settings, ids)
        commit(s)
    run_due_jobs(db)
    [got] = receiver.received
    body = json.loads(got.body)
    assert got.headers["X-Desk-Event"] == "ticket.created"
    assert body["ticket"]["number"] == report.ticket_ids[0]
    assert body["ticket"]["channel"] == "email"
    assert body["ticket"]["customer"]["email"] == "sarah.johnson@acme.example"


def test_a_rolled_back_change_delivers_nothing(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook()
    with db.session() as s:
        ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "a@example.com", "A"), "Hi", "Text"))
        s.rollback()
        s.info.pop("new_jobs", None)
    run_due_jobs(db)
    assert _deliveries(db) == [] and receiver.received == []


def test_a_name_that_now_resolves_to_a_private_address_is_refused_when_delivering(
    db: Database, settings: Settings, receiver: Receiver,
) -> None:
    from desk.actions.webhooks.manage import create_webhook
    from desk.jobs.webhooks import deliver

    form = WebhookForm(url="https://hooks.crm.example/desk", events=["ticket.created"])
    with db.session() as s:
        made = create_webhook(s, SYSTEM, str(settings.secret_key), form,
                              resolver=lambda host, port: ["93.184.216.34"])
    assert made is not None, form.errors
    _open_ticket(db, settings)
    [delivery] = _deliveries(db)
    assert delivery.id is not None
    deliver(db, delivery.id, resolver=lambda host, port: ["10.0.0.7"])
    [delivery] = _deliveries(db)
    assert delivery.status == DeliveryStatus.failed
    assert "private network" in delivery.response_excerpt and "10.0.0.7" in delivery.response_excerpt


def test_a_redirect_is_not_followed(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    make_webhook()
    receiver.answers = [302]
    _open_ticket(db, settings)
    run_due_jobs(db)
    [delivery] = _deliveries(db)
    assert len(receiver.received) == 1
    assert (delivery.status, delivery.response_code) == ("pending", 302)
    assert delivery.response_excerpt == "redirect to http://169.254.169.254/latest/meta-data/ not followed"


def test_a_receiver_that_is_not_there_is_tried_again(
    db: Database, settings: Settings, make_webhook: MakeWebhook,
) -> None:
    make_webhook(url="http://127.0.0.1:9/nobody-listens")
    _open_ticket(db, settings)
    run_due_jobs(db)
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", None, 1)
    assert "refused" in delivery.response_excerpt.lower()


def test_a_customer_reply_and_a_survey_answer_are_delivered_with_their_facts(
    db: Database, settings: Settings, receiver: Receiver, make_webhook: MakeWebhook,
) -> None:
    from desk.actions.ingest.one import add_customer_reply
    from desk.actions.surveys.answers import Answer, submit_answer
    from desk.models import Customer, Survey, SurveyStatus, Ticket

    make_webhook(events=("customer.replied", "survey.answered"))
    number = _open_ticket(db, settings)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        customer = s.get(Customer, ticket.customer_id)
        assert customer is not None
        message, _events = add_customer_reply(s, settings, ticket, customer, "It is still wrong.")
        survey = Survey(ticket_id=number, customer_id=ticket.customer_id, status=SurveyStatus.sent)
        s.add(survey)
        commit(s)
        assert survey.id is not None
        submit_answer(s, survey.id, Answer(2, "Slow answers."))
    run_due_jobs(db)
    replied, answered = (json.loads(r.body) for r in receiver.received)
    assert replied["type"] == "customer.replied" and replied["ticket"]["number"] == number
    assert replied["message_id"] == message.id and replied["channel"] == "web"
    assert answered["type"] == "survey.answered"
    assert answered["survey"] == {"id": survey.id, "rating": 2, "comment": "Slow answers.",
                                  "answered_at": answered["survey"]["answered_at"]}
    assert answered["previous_rating"] is None and answered["ticket"]["number"] == number
