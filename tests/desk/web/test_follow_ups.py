"""Follow-ups: set on a ticket with a due time and a note, listed in "my follow-ups", reminded
once when due (a notification and a mail to the agent), counted in the top bar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.jobs.context import JobContext
from desk.jobs.functions import JOBS
from desk.models import Job, Notification, OutboundMessage, User
from desk.models.follow_ups import FollowUp
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Refund for order 1182", "Hi"))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _set(client: TestClient, number: int, due: datetime, note: str = "Check the refund") -> object:
    token = csrf_of(client, f"/agent/tickets/{number}")
    return client.post(f"/agent/tickets/{number}/follow-ups", follow_redirects=False, data={
        "csrf_token": token, "due_at": due.strftime("%Y-%m-%dT%H:%M"), "note": note})


def _remind(db: Database) -> None:
    JOBS["remind_follow_ups"](JobContext(db))  # type: ignore[call-arg]


def test_follow_up_is_listed_and_a_reminder_job_waits_for_its_time(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    assert "/follow-ups" in agent_client.get(f"/agent/tickets/{number}").text
    due = datetime.now(UTC) + timedelta(days=2)
    response = _set(agent_client, number, due)
    assert response.status_code == 303  # type: ignore[attr-defined]
    mine = agent_client.get("/agent/follow-ups").text
    assert f'href="/agent/tickets/{number}"' in mine and "Check the refund" in mine
    assert due.strftime("%Y-%m-%d %H:%M") in mine
    with db.session() as s:
        job = s.exec(select(Job).where(Job.name == "remind_follow_ups")).one()
        assert abs((job.run_at.replace(tzinfo=UTC) - due).total_seconds()) < 60
    _remind(db)  # not due yet: nothing
    with db.session() as s:
        assert s.exec(select(Notification)).all() == []


def test_due_follow_up_reminds_once_in_app_and_by_mail_and_counts_in_top_bar(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    agent: User = make_user("agent", email="ana@desk.test")
    sign_in(client, agent)
    number = _ticket(db, settings)
    _set(client, number, datetime.now(UTC) - timedelta(minutes=1), "Call Kim back")
    assert "due now" in client.get("/agent/follow-ups").text
    _remind(db)
    _remind(db)
    with db.session() as s:
        notes = s.exec(select(Notification).where(Notification.user_id == agent.id)).all()
        assert [(n.kind, n.ticket_id) for n in notes] == [("follow_up", number)]
        mails = s.exec(select(OutboundMessage).where(OutboundMessage.to_address == "ana@desk.test")).all()
        assert len(mails) == 1 and "Call Kim back" in mails[0].body_text
        assert f"#{number}" in mails[0].subject and mails[0].kind == "notification"
    page = client.get("/agent/").text
    assert re.search(r'<span class="badge" data-unread>1</span>', page)
    assert "A follow-up is due" in client.get("/agent/notifications").text


def test_done_follow_up_leaves_the_list_and_is_not_reminded(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    _set(agent_client, number, datetime.now(UTC) - timedelta(minutes=5))
    with db.session() as s:
        follow_up_id = s.exec(select(FollowUp.id)).one()
    token = csrf_of(agent_client, "/agent/follow-ups")
    done = agent_client.post(f"/agent/follow-ups/{follow_up_id}/done", data={"csrf_token": token},
                             follow_redirects=False)
    assert done.status_code == 303
    assert f'data-follow-up="{follow_up_id}"' not in agent_client.get("/agent/follow-ups").text
    _remind(db)
    with db.session() as s:
        assert s.exec(select(Notification)).all() == []


def test_bad_due_time_is_refused_and_others_follow_ups_are_not_mine(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ana, bo = make_user("agent"), make_user("agent")
    number = _ticket(db, settings)
    sign_in(client, ana)
    token = csrf_of(client, f"/agent/tickets/{number}")
    refused = client.post(f"/agent/tickets/{number}/follow-ups",
                          data={"csrf_token": token, "due_at": "tomorrow-ish", "note": ""})
    assert refused.status_code == 400 and "Give a date and time" in refused.text
    _set(client, number, datetime.now(UTC) + timedelta(hours=1))
    with db.session() as s:
        follow_up_id = s.exec(select(FollowUp.id)).one()
    sign_in(client, bo)
    assert f'data-follow-up="{follow_up_id}"' not in client.get("/agent/follow-ups").text
    token = csrf_of(client, "/agent/follow-ups")
    assert client.post(f"/agent/follow-ups/{follow_up_id}/done",
                       data={"csrf_token": token}).status_code == 403
