"""The survey settings an admin sets on /admin/surveys: the delay, the 3-point scale (its
mail, its page, its answers), and what a low answer does; refused for anyone else and for
values out of range."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import AuditEntry, Notification, OutboundKind, OutboundMessage, Status, Ticket, User
from desk.models.base import aware
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.surveys.helpers import links_of, mailed_ticket, run_due_jobs, sent_survey, solve, surveys

MakeUser = Callable[..., User]


def _save(client: TestClient, **values: str) -> int:
    form = {"csrf_token": csrf_of(client, "/admin/surveys"), "delay_minutes": "60", "scale": "5",
            "low_rating": "2", "low_notifies": "1", **values}
    return client.post("/admin/surveys", data=form, follow_redirects=False).status_code


def test_only_an_admin_changes_the_survey_settings_and_bad_values_are_refused(
    db: Database, client: TestClient, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("supervisor"))
    assert client.get("/admin/surveys").status_code == 403
    sign_in(client, make_user("admin"))
    page = client.get("/admin/surveys")
    assert page.status_code == 200 and 'name="delay_minutes" value="60"' in page.text
    assert _save(client, delay_minutes="99999", scale="4", low_rating="-1") == 422
    refused = client.post("/admin/surveys", data={
        "csrf_token": csrf_of(client, "/admin/surveys"), "delay_minutes": "x", "scale": "4",
        "low_rating": "9"})
    assert refused.text.count('class="field-error"') == 3
    assert 'name="delay_minutes" value="60"' in client.get("/admin/surveys").text  # unchanged
    assert _save(client, delay_minutes="5") == 303
    assert 'name="delay_minutes" value="5"' in client.get("/admin/surveys").text
    with db.session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "settings")).one()
    assert "delay_minutes" in str(entry.changes)


def test_the_delay_set_by_the_admin_times_the_next_survey(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    assert _save(client, delay_minutes="5") == 303
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    (survey,) = surveys(db)
    assert (aware(survey.due_at) - aware(survey.solved_at)).total_seconds() == 300


def test_a_three_point_survey_mails_three_answers_and_takes_only_them(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    assert _save(client, scale="3") == 303
    _survey, path = sent_survey(db, settings, make_user("agent"))
    with db.session() as session:
        mail = session.exec(select(OutboundMessage).where(
            OutboundMessage.kind == OutboundKind.survey)).one()
    assert sorted(links_of(mail.body_text)) == [1, 3, 5]
    assert "Happy:" in mail.body_text and "Very satisfied" not in mail.body_text
    page = client.get(f"{path}?rating=5").text
    assert page.count('type="radio" name="rating"') == 3 and 'value="5" checked' in page
    assert client.post(path, data={"rating": "4"}).status_code == 400
    assert client.post(path, data={"rating": "5"}, follow_redirects=False).status_code == 303
    assert surveys(db)[0].rating == 5


def test_a_low_answer_reopens_the_ticket_and_notifies_nobody_when_the_admin_says_so(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    assert _save(client, low_rating="1", low_reopens="1", low_notifies="") == 303
    make_user("supervisor")
    survey, path = sent_survey(db, settings, make_user("agent"))
    assert client.post(path, data={"rating": "2"}, follow_redirects=False).status_code == 303
    run_due_jobs(db)
    with db.session() as session:
        assert session.get(Ticket, survey.ticket_id).status == Status.solved  # type: ignore[union-attr]
    assert client.post(path, data={"rating": "1"}, follow_redirects=False).status_code == 303
    run_due_jobs(db)
    with db.session() as session:
        assert session.get(Ticket, survey.ticket_id).status == Status.open  # type: ignore[union-attr]
        assert not session.exec(select(Notification).where(
            col(Notification.kind) == "low_rating")).all()
