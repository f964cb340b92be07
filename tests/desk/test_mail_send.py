"""Sending the outbox through a real SMTP server (aiosmtpd): headers that thread, Chinese
that decodes, retries on temporary failures, failures shown with a resend, and customers'
answers to what we sent landing on the same ticket."""

from __future__ import annotations

import base64
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from channels.email.send import Failure, failure_of
from channels.email.smtp_account import SmtpAccount
from channels.message import InboundAttachment
from desk.actions.audit import SYSTEM, Actor
from desk.actions.mail.stored import IngestReport, ingest_stored, store_raw
from desk.actions.tickets.changes import add_agent_reply
from desk.actions.tickets.outbox import SEND_ATTEMPTS, queue_waiting
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.mail.sender import NO_MAILBOX, send_outbound
from desk.models import Job, JobStatus, Mailbox, OutboundMessage, OutboundStatus, Ticket, User
from desk.models.base import now
from desk.secrets import encrypt
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.smtp_server import SmtpServer

CUSTOMER_ID = "<first@customer.example>"
MakeUser = Callable[..., User]


def customer_mail(message_id: str, subject: str = "打印机坏了", body: str = "打印机不工作了。",
                  extra: str = "") -> bytes:
    return (f"From: =?utf-8?b?5p2O6Zu3?= <li@customer.example>\r\nTo: support@desk.test\r\n"
            f"Subject: =?utf-8?b?{_b64(subject)}?=\r\nMessage-ID: {message_id}\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(body)}\r\n").encode()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def add_mailbox(session: Session, settings: Settings, server: SmtpServer,
                password: str = "smtp-secret", **fields: Any) -> Mailbox:
    box = Mailbox(name="support", address="support@desk.test", display_name="客服中心",
                  smtp_host=server.host, smtp_port=server.port, smtp_ssl=False,
                  smtp_user=server.user, smtp_password=encrypt(settings.secret_key, password),
                  **fields)
    session.add(box)
    commit(session)
    return box


def ingest(session: Session, settings: Settings, *raws: bytes) -> IngestReport:
    ids = store_raw(session, "support", list(raws))
    commit(session)
    report = ingest_stored(session, settings, ids)
    commit(session)
    return report


def run_due_jobs(db: Database) -> None:
    """What the job runner does, now: every due job once (a retry waits for its time)."""
    for job_id in due_jobs(db):
        execute_job(db, job_id)


def time_passes(db: Database) -> None:
    """Make every waiting retry due now, as if its backoff had passed."""
    with db.session() as session:
        session.execute(update(Job).where(col(Job.status) == JobStatus.queued).values(run_at=now()))
        session.execute(update(OutboundMessage).values(next_attempt_at=now()))
        session.commit()


def reply(db: Database, settings: Settings, agent: User, ticket_id: int, text: str,
          attachments: tuple[InboundAttachment, ...] = ()) -> int:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        _, events = add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket, text,
                                    internal=False, attachments=attachments)
        commit(session)
    (event,) = events
    outbound_id = getattr(event, "outbound_id", None)
    assert isinstance(outbound_id, int)
    return outbound_id


def outbound(db: Database, outbound_id: int) -> OutboundMessage:
    with db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        return row


def opened_ticket(db: Database, settings: Settings, server: SmtpServer) -> int:
    """A customer's Chinese mail to a mailbox that sends through `server`; its
    acknowledgement is sent and taken off the server's list."""
    with db.session() as session:
        add_mailbox(session, settings, server)
        report = ingest(session, settings, customer_mail(CUSTOMER_ID))
    run_due_jobs(db)
    assert len(server.messages) == 1 and server.messages[0].message["Auto-Submitted"] == "auto-replied"
    server.messages.clear()
    return report.ticket_ids[0]


def test_agent_reply_reaches_the_customer_threaded_with_chinese_intact(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    agent = make_user("agent", name="王芳")
    outbound_id = reply(db, settings, agent, ticket_id, "您好，打印机已修好。",
                        (InboundAttachment("维修报告.pdf", "application/pdf", b"%PDF-1.4 fixed"),))
    run_due_jobs(db)

    (received,) = smtp_server.messages
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.sent and row.sent_at is not None and row.attempts == 1
    assert received.mail_from == "support@desk.test"
    assert received.rcpt_tos == ["li@customer.example"]
    message = received.message
    assert f"[#{ticket_id}]" in message["Subject"] and "打印机坏了" in message["Subject"]
    assert message["Subject"].count(f"[#{ticket_id}]") == 1
    assert message["Message-ID"] == row.rfc_message_id
    assert message["In-Reply-To"] == CUSTOMER_ID
    references = message["References"].split()
    assert references[0] == CUSTOMER_ID and CUSTOMER_ID in row.references
    assert len(references) == 2  # the customer's mail and our acknowledgement
    assert message["Reply-To"] == "客服中心 <support@desk.test>"
    assert message["From"] == "客服中心 <support@desk.test>"
    assert message["To"] == "李雷 <li@customer.example>"
    assert message["Auto-Submitted"] is None
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "您好，打印机已修好。" in body.get_content()
    (attachment,) = list(message.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "维修报告.pdf"
    assert attachment.get_content() == b"%PDF-1.4 fixed"


def test_customer_answer_to_our_reply_threads_back_onto_the_ticket(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    reply(db, settings, make_user("agent"), ticket_id, "Which model is it?")
    run_due_jobs(db)
    (sent,) = smtp_server.messages
    ours = sent.message["Message-ID"]
    # Their client drops our subject tag but keeps the threading headers.
    answer = customer_mail("<answer@customer.example>", subject="型号", body="HP 1020",
                           extra=f"In-Reply-To: {ours}\r\nReferences: {CUSTOMER_ID} {ours}\r\n")
    with db.session() as session:
        report = ingest(session, settings, answer)
    assert (report.threaded, report.opened) == (1, 0)
    assert report.ticket_ids == [] or report.ticket_ids == [ticket_id]
    with db.session() as session:
        assert len(list(session.exec(select(Ticket)))) == 1


def test_temporary_refusal_is_retried_and_then_sent(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    smtp_server.fail_with = (451, "Greylisted, try again later")
    outbound_id = reply(db, settings, make_user("agent"), ticket_id, "Fixed.")
    run_due_jobs(db)
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.queued and row.attempts == 1
    assert "451 Greylisted" in row.last_error and row.next_attempt_at > now()
    run_due_jobs(db)  # not due yet: nothing happens
    assert outbound(db, outbound_id).attempts == 1

    smtp_server.fail_with = None
    time_passes(db)
    run_due_jobs(db)
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.sent and row.attempts == 2 and row.last_error == ""
    assert len(smtp_server.messages) == 1


def test_temporary_failures_give_up_after_the_last_attempt(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    smtp_server.fail_with = (452, "Mailbox full for now")
    outbound_id = reply(db, settings, make_user("agent"), ticket_id, "Fixed.")
    for _ in range(SEND_ATTEMPTS):
        run_due_jobs(db)
        time_passes(db)
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.failed and row.attempts == SEND_ATTEMPTS
    assert "452 Mailbox full" in row.last_error
    run_due_jobs(db)
    assert outbound(db, outbound_id).attempts == SEND_ATTEMPTS


def test_wrong_smtp_password_is_retried_with_a_clear_reason(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    with db.session() as session:
        add_mailbox(session, settings, smtp_server, password="wrong")
        report = ingest(session, settings, customer_mail(CUSTOMER_ID))
    run_due_jobs(db)
    with db.session() as session:
        (ack,) = session.exec(select(OutboundMessage))
    assert ack.status == OutboundStatus.queued and ack.attempts == 1
    assert "refused the login of desk" in ack.last_error and "535" in ack.last_error
    assert smtp_server.messages == []
    # The admin fixes the password; the next attempt goes through.
    with db.session() as session:
        box = session.exec(select(Mailbox)).one()
        box.smtp_password = encrypt(settings.secret_key, "smtp-secret")
        session.add(box)
        commit(session)
    time_passes(db)
    run_due_jobs(db)
    assert outbound(db, ack.id or 0).status == OutboundStatus.sent
    assert report.ticket_ids and len(smtp_server.messages) == 1


def test_unreachable_server_is_a_temporary_failure(
    db: Database, settings: Settings, smtp_server: SmtpServer,
) -> None:
    with db.session() as session:
        add_mailbox(session, settings, smtp_server)
    smtp_server.stop()
    with db.session() as session:
        ingest(session, settings, customer_mail(CUSTOMER_ID))
    run_due_jobs(db)
    with db.session() as session:
        (ack,) = session.exec(select(OutboundMessage))
    assert ack.status == OutboundStatus.queued and "cannot reach the SMTP server" in ack.last_error


def test_permanent_refusal_fails_shows_on_the_ticket_and_resend_sends_it(
    db: Database, settings: Settings, smtp_server: SmtpServer, client: TestClient,
    make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    agent = make_user("agent")
    smtp_server.fail_with = (550, "No such user here")
    outbound_id = reply(db, settings, agent, ticket_id, "Fixed.")
    run_due_jobs(db)
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.failed and row.attempts == 1
    assert "550 No such user here" in row.last_error

    with db.session() as session:
        token = create_token(session, SYSTEM, agent, name="tests")
        commit(session)
    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"})
    (sent_reply,) = [m for m in detail.json()["messages"] if m["direction"] == "outbound"]
    assert sent_reply["delivery"]["status"] == "failed"
    assert "550 No such user here" in sent_reply["delivery"]["last_error"]

    sign_in(client, agent)
    page = client.get(f"/agent/tickets/{ticket_id}")
    assert 'data-delivery="failed"' in page.text and "550 No such user here" in page.text
    assert f"/agent/tickets/{ticket_id}/outbound/{outbound_id}/resend" in page.text

    smtp_server.fail_with = None
    token = csrf_of(client, f"/agent/tickets/{ticket_id}")
    response = client.post(f"/agent/tickets/{ticket_id}/outbound/{outbound_id}/resend",
                           data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.queued and row.attempts == 0 and row.last_error == ""
    run_due_jobs(db)
    assert outbound(db, outbound_id).status == OutboundStatus.sent
    assert len(smtp_server.messages) == 1
    page = client.get(f"/agent/tickets/{ticket_id}")
    assert 'data-delivery="sent"' in page.text and "resent" in page.text


def test_resend_needs_a_failed_mail_and_the_csrf_token(
    db: Database, settings: Settings, smtp_server: SmtpServer, client: TestClient,
    make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    agent = make_user("agent")
    outbound_id = reply(db, settings, agent, ticket_id, "Fixed.")
    run_due_jobs(db)
    sign_in(client, agent)
    url = f"/agent/tickets/{ticket_id}/outbound/{outbound_id}/resend"
    assert client.post(url, data={"csrf_token": "nope"}, follow_redirects=False).status_code == 403
    token = csrf_of(client, f"/agent/tickets/{ticket_id}")
    response = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 409  # it was sent: nothing to resend
    assert client.post(f"/agent/tickets/{ticket_id}/outbound/999/resend",
                       data={"csrf_token": token}).status_code == 404
    assert len(smtp_server.messages) == 1


def test_mailbox_without_smtp_fails_with_the_reason(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    with db.session() as session:
        box = session.exec(select(Mailbox)).one()
        box.smtp_host = ""
        session.add(box)
        commit(session)
    outbound_id = reply(db, settings, make_user("agent"), ticket_id, "Fixed.")
    run_due_jobs(db)
    row = outbound(db, outbound_id)
    assert row.status == OutboundStatus.failed
    assert row.last_error == "this mailbox cannot send: no SMTP server set"


def test_without_any_mailbox_mail_waits_until_one_is_added(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    with db.session() as session:
        report = ingest(session, settings, customer_mail(CUSTOMER_ID))
        assert session.exec(select(Job).where(Job.name == "send_mail")).first() is None
    outbound_id = reply(db, settings, make_user("agent"), report.ticket_ids[0], "Fixed.")
    run_due_jobs(db)
    row = outbound(db, outbound_id)
    assert (row.status, row.attempts, row.last_error) == (OutboundStatus.queued, 0, NO_MAILBOX)
    with db.session() as session:
        add_mailbox(session, settings, smtp_server)
        waiting = len(list(session.exec(select(OutboundMessage))))
        assert waiting >= 1 and queue_waiting(session) == waiting
        commit(session)
    run_due_jobs(db)
    assert outbound(db, outbound_id).status == OutboundStatus.sent
    assert len(smtp_server.messages) == waiting


def test_a_row_is_never_sent_twice(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    outbound_id = reply(db, settings, make_user("agent"), ticket_id, "Fixed.")
    with db.session() as session:
        queue_waiting(session)  # a second job for the same row
        commit(session)
    run_due_jobs(db)
    send_outbound(db, outbound_id)  # and a stray direct call
    assert len(smtp_server.messages) == 1


ACCOUNT = SmtpAccount(host="mail.example.com", port=587, ssl=False, user="desk", password="pw")


def test_what_smtp_errors_mean_for_the_mail() -> None:
    refused = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "5.1.1 No such user", "li@customer.example")])
    assert failure_of(refused, ACCOUNT) == Failure(
        "the SMTP server mail.example.com answered 550 5.1.1 No such user", temporary=False)
    assert failure_of(aiosmtplib.SMTPDataError(451, "Try later"), ACCOUNT).temporary
    login = failure_of(aiosmtplib.SMTPAuthenticationError(535, "Bad credentials"), ACCOUNT)
    assert login.temporary and "refused the login of desk" in login.reason
    timeout = failure_of(aiosmtplib.SMTPReadTimeoutError("Timed out"), ACCOUNT)
    assert timeout.temporary and "no answer from the SMTP server mail.example.com:587" in timeout.reason
    down = failure_of(aiosmtplib.SMTPConnectError("Connection refused"), ACCOUNT)
    assert down.temporary and "cannot reach the SMTP server mail.example.com:587" in down.reason
    assert "pw" not in down.reason + login.reason


def test_a_refused_acknowledgement_shows_under_automatic_mail_and_can_be_resent(
    db: Database, settings: Settings, smtp_server: SmtpServer, client: TestClient,
    make_user: MakeUser,
) -> None:
    smtp_server.fail_with = (550, "Mailbox unavailable")
    with db.session() as session:
        add_mailbox(session, settings, smtp_server)
        ticket_id = ingest(session, settings, customer_mail(CUSTOMER_ID)).ticket_ids[0]
    run_due_jobs(db)
    with db.session() as session:
        ack = session.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)).one()
    assert ack.status == OutboundStatus.failed and ack.message_id is None
    sign_in(client, make_user("supervisor", email="sv@desk.test"))
    page = client.get(f"/agent/tickets/{ticket_id}").text
    assert "Automatic mail" in page and "550 Mailbox unavailable" in page
    assert f"/agent/tickets/{ticket_id}/outbound/{ack.id}/resend" in page
    smtp_server.fail_with = None
    token = csrf_of(client, f"/agent/tickets/{ticket_id}")
    assert client.post(f"/agent/tickets/{ticket_id}/outbound/{ack.id}/resend",
                       data={"csrf_token": token}, follow_redirects=False).status_code == 303
    run_due_jobs(db)
    assert outbound(db, ack.id or 0).status == OutboundStatus.sent and len(smtp_server.messages) == 1


def test_a_mailbox_that_requires_tls_sends_nothing_to_a_server_without_starttls(
    db: Database, settings: Settings, smtp_server: SmtpServer,
) -> None:
    from desk.actions.mail.mailboxes import create_mailbox, shown_smtp_url, smtp_account

    url = smtp_server.url.replace("smtp://", "smtp+starttls://", 1)
    with db.session() as session:
        box = create_mailbox(session, settings, SYSTEM, "support", "support@desk.test", None, url)
        commit(session)
        assert shown_smtp_url(box).startswith("smtp+starttls://")
        account = smtp_account(settings, box)
        assert account is not None and account.require_starttls and account.start_tls is True
        ingest(session, settings, customer_mail(CUSTOMER_ID))
    run_due_jobs(db)
    assert smtp_server.messages == []  # the server offers no STARTTLS: nothing in clear text
    with db.session() as session:
        (ack,) = session.exec(select(OutboundMessage))
    assert ack.status != OutboundStatus.sent and ack.last_error
