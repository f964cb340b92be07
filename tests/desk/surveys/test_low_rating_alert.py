"""A low answer notifies the agent who solved the ticket and the supervisors; a good one,
or a desk that turned the alert off, notifies nobody."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Notification, User
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.surveys.helpers import run_due_jobs, sent_survey

MakeUser = Callable[..., User]


def _notified(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        return sorted((n.user_id, n.kind) for n in session.exec(
            select(Notification).where(Notification.kind == "low_rating")))


def test_a_low_answer_notifies_the_agent_and_the_supervisors(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    agent, supervisor = make_user("agent"), make_user("supervisor")
    make_user("agent")  # another agent hears nothing
    survey, path = sent_survey(db, settings, agent)
    client.post(path, data={"rating": "4"})
    run_due_jobs(db)
    assert _notified(db) == []
    client.post(path, data={"rating": "2", "comment": "Not fixed"})
    run_due_jobs(db)
    assert agent.id is not None and supervisor.id is not None
    assert _notified(db) == sorted([(agent.id, "low_rating"), (supervisor.id, "low_rating")])
    page = sign_in(client, supervisor).get("/agent/notifications")
    assert "A customer rated the help low" in page.text
    assert f'href="/agent/tickets/{survey.ticket_id}"' in page.text


def test_a_desk_with_the_alert_off_notifies_nobody(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    make_user("supervisor")
    _survey, path = sent_survey(db, settings, agent)
    client.post(path, data={"rating": "1"})
    db.settings = replace(settings, survey_low_rating=0)
    run_due_jobs(db)
    assert _notified(db) == []
