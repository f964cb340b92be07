"""A visitor who goes without a word (tab killed, network gone: no leave beacon) still gets
the reply written while they were on the page: by mail, once, through a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.chat.departures import JOB, QUIET_AFTER, sweep_quiet_chats
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.actions.tickets.changes import add_agent_reply
from desk.db import Database, commit
from desk.models import ChatConversation, Job, OutboundMessage, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.desk.test_mail_send import add_mailbox, run_due_jobs
from tests.smtp_server import SmtpServer

SITE = "https://shop.example.com"


def _post(client: TestClient, key: str, path: str, body: object) -> dict[str, object]:
    response = client.post(f"/chat/w/{key}/{path}", content=json.dumps(body),
                           headers={"Content-Type": "text/plain", "Origin": SITE})
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def test_a_reply_held_for_a_visitor_who_vanished_reaches_their_email_once(
        client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
        make_user: Callable[..., User]) -> None:
    with db.session() as s:
        add_mailbox(s, settings, smtp_server)
        widget = save_widget(s, SYSTEM, str(settings.secret_key), None,
                             WidgetForm(name="Shop", origins=SITE))
        assert widget is not None
    token = _post(client, widget.key, "start", {"name": "王芳", "email": "wf@example.cn"})["token"]
    ticket_id = _post(client, widget.key, "messages",
                      {"token": token, "text": "我的包裹在哪里？", "id": "g1"})["ticket"]
    agent = make_user("agent", name="Ana")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, ticket, "今天已发货。",
                        internal=False)
        commit(s)
    run_due_jobs(db)  # the visitor is on the page: the reply waits for them to read it
    with db.session() as s:
        send_jobs = s.exec(select(Job).where(Job.name == "send_mail")).all()
        # Held, not failed and not retrying: waiting cannot use up its attempts.
        assert [j.status for j in send_jobs] == ["done"]
        assert s.exec(select(Job).where(Job.name == JOB, Job.status == "queued")).first()
    assert smtp_server.messages == []
    # The tab is killed: no beacon, no beat. A sweep soon after leaves them be; one after
    # QUIET_AFTER ends the chat and the transcript (with the unread reply) goes by mail.
    with db.session() as s:
        assert sweep_quiet_chats(s, settings, now() + QUIET_AFTER / 2) == 0
        assert sweep_quiet_chats(s, settings, now() + QUIET_AFTER + timedelta(seconds=5)) == 1
    run_due_jobs(db)
    with db.session() as s:
        assert sweep_quiet_chats(s, settings, now() + QUIET_AFTER * 3) == 0  # once only
        rows = s.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)
                      .order_by(col(OutboundMessage.id))).all()
        conversation = s.exec(select(ChatConversation)).one()
        assert conversation.left_at is not None
    run_due_jobs(db)
    assert [(r.kind, r.status) for r in rows] == [("reply", "transcript"), ("transcript", "sent")]
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["wf@example.cn"]
    body = mail.message.get_body(("plain",))
    assert body is not None and "今天已发货。" in body.get_content()
    assert f"[#{ticket_id}]" in str(mail.message["Subject"])


def test_a_chat_quiet_for_days_ends_without_a_late_transcript_but_a_held_reply_still_goes(
        client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
        make_user: Callable[..., User]) -> None:
    with db.session() as s:
        add_mailbox(s, settings, smtp_server)
        widget = save_widget(s, SYSTEM, str(settings.secret_key), None,
                             WidgetForm(name="Shop", origins=SITE))
        assert widget is not None
    token = _post(client, widget.key, "start", {"name": "Kim", "email": "kim@example.com"})["token"]
    ticket_id = _post(client, widget.key, "messages",
                      {"token": token, "text": "Hello?", "id": "k1"})["ticket"]
    agent = make_user("agent", name="Ana")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        add_agent_reply(s, settings, Actor.of_user(agent), agent, ticket, "Hello Kim.",
                        internal=False)
        commit(s)
    run_due_jobs(db)  # held for the visitor on the page
    with db.session() as s:  # the desk was down for days: the first sweep comes late
        assert sweep_quiet_chats(s, settings, now() + timedelta(days=2)) == 1
    run_due_jobs(db)
    with db.session() as s:
        rows = s.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)).all()
    assert [(r.kind, r.status) for r in rows] == [("reply", "sent")]
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["kim@example.com"]
