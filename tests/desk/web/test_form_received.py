"""The web form under `desk serve` (form_process): the customer is answered once the request
is stored, lands on a "received" page that leads to their request's page as soon as the
intake child has opened the ticket, and the link's token never reaches the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.ingest.submissions import record_failure
from desk.app import create_app
from desk.db import Database, commit
from desk.links import submission_token
from desk.models import Ticket
from desk.settings import Settings


@pytest.fixture
def served(db: Database, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, db, run_jobs=False, form_process=True)
    with TestClient(app) as client:
        yield client


def _post(client: TestClient, subject: str, email: str = "wei@example.com") -> str:
    answer = client.post("/requests", data={
        "name": "Zhang Wei", "email": email, "subject": subject, "message": "它不开机。",
        "website": ""}, files={"attachments": ("", b"", "application/octet-stream")},
        follow_redirects=False)
    assert answer.status_code == 303
    location: str = answer.headers["location"]
    assert location.startswith("/requests/received/")
    return location


def test_the_received_page_leads_to_the_requests_page_with_the_ticket(
    served: TestClient, db: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    location = _post(served, "打印机坏了")
    token = location.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="desk.request"):
        received = served.get(location, follow_redirects=False)
    assert received.status_code == 303
    assert received.headers["location"].startswith("/requests/")
    assert received.headers["location"].endswith("?received=1")
    page = served.get(received.headers["location"])
    assert page.status_code == 200
    assert "打印机坏了" in page.text
    with db.session() as s:
        (ticket,) = s.exec(select(Ticket)).all()
    assert ticket.subject == "打印机坏了" and ticket.channel == "web"
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.request"]
    assert any("/requests/received/[request link]" in line for line in lines)
    assert not any(token in line for line in lines)


def test_a_forged_or_foreign_received_link_is_not_found(served: TestClient,
                                                        settings: Settings) -> None:
    assert served.get("/requests/received/not-a-token").status_code == 404
    other_spool = submission_token(str(settings.secret_key), "0123456789abcdef", 1)
    assert served.get(f"/requests/received/{other_spool}").status_code == 404
    forged = submission_token("another key", served.app.state.form_intake.spool.id, 1)  # type: ignore[attr-defined]
    assert served.get(f"/requests/received/{forged}").status_code == 404


def test_a_request_the_intake_could_not_open_says_it_is_kept(
    served: TestClient, db: Database, settings: Settings,
) -> None:
    spool_id = served.app.state.form_intake.spool.id  # type: ignore[attr-defined]
    with db.session() as s:
        record_failure(s, spool_id, 999, '{"broken": true}', "KeyError: 'format'")
        commit(s)
    page = served.get(f"/requests/received/{submission_token(str(settings.secret_key), spool_id, 999)}")
    assert page.status_code == 200
    assert "It is kept for our team" in page.text


def test_without_desk_serve_the_form_still_opens_the_ticket_in_the_request(
    client: TestClient, db: Database,
) -> None:
    answer = client.post("/requests", data={
        "name": "Kim", "email": "kim@example.com", "subject": "Printer", "message": "Off.",
        "website": ""}, follow_redirects=False)
    assert answer.status_code == 303
    assert not answer.headers["location"].startswith("/requests/received/")
    with db.session() as s:
        assert [t.subject for t in s.exec(select(Ticket))] == ["Printer"]
