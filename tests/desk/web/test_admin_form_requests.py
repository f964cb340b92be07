"""An admin's page of web-form requests the intake could not open: each is listed with what
the customer sent and why it failed; retried it becomes a ticket (or stays, with the new
error), discarded what the customer sent is deleted; both are in the audit log."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.ingest.submissions import record_failure, to_payload
from desk.db import Database, commit
from desk.models import AuditEntry, FormSubmission, Ticket, User
from tests.conftest import csrf_of, sign_in
from tests.desk.test_form_intake import _request

SPOOL = "0123456789abcdef"


def _failed(db: Database, request_id: int, payload: str, error: str) -> int:
    with db.session() as s:
        record_failure(s, SPOOL, request_id, payload, error)
        commit(s)
        row = s.exec(select(FormSubmission).where(FormSubmission.request_id == request_id)).one()
        assert row.id is not None
        return row.id


def test_an_admin_retries_a_failed_request_into_a_ticket_and_discards_a_broken_one(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    good = _failed(db, 1, to_payload(_request("打印机坏了", "wei@example.com")),
                   "OperationalError: database is locked")
    broken = _failed(db, 2, '{"format": 1, "channel": "web"}', "KeyError: 'sender'")
    sign_in(client, make_user("admin"))
    assert "could not be opened as tickets: 2" in client.get("/admin/").text
    page = client.get("/admin/form-requests")
    assert "打印机坏了" in page.text and "Zhang Wei &lt;wei@example.com&gt;" in page.text
    assert "database is locked" in page.text and "KeyError" in page.text

    token = csrf_of(client, "/admin/form-requests")
    again = client.post(f"/admin/form-requests/{broken}/retry", data={"csrf_token": token})
    assert again.status_code == 409 and "failed again" in again.text
    retried = client.post(f"/admin/form-requests/{good}/retry", data={"csrf_token": token},
                          follow_redirects=False)
    assert retried.status_code == 303
    with db.session() as s:
        (ticket,) = s.exec(select(Ticket)).all()
        row = s.get(FormSubmission, good)
        assert row is not None
        assert (row.status, row.ticket_id, row.payload) == ("done", ticket.id, "")
        assert row.token  # the customer's "received" link now leads to the ticket's page
    assert ticket.subject == "打印机坏了"
    assert f"/agent/tickets/{ticket.id}" in client.get(retried.headers["location"]).text

    discarded = client.post(f"/admin/form-requests/{broken}/discard", data={"csrf_token": token})
    assert discarded.status_code == 200
    assert "No web-form request has failed." in discarded.text
    with db.session() as s:
        row = s.get(FormSubmission, broken)
        assert row is not None and (row.status, row.payload) == ("discarded", "")
        actions = [(a.entity, a.entity_id, a.action) for a in s.exec(
            select(AuditEntry).where(AuditEntry.entity == "form_request"))]
    assert ("form_request", good, "retried") in actions
    assert ("form_request", broken, "retried") in actions  # the retry that failed, too
    assert ("form_request", broken, "discarded") in actions
    gone = client.post(f"/admin/form-requests/{broken}/retry", data={"csrf_token": token})
    assert gone.status_code == 404


def test_an_agent_can_neither_see_nor_retry_them(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    failed = _failed(db, 3, to_payload(_request("Secret")), "KeyError: 'x'")
    sign_in(client, make_user("agent"))
    assert client.get("/admin/form-requests").status_code == 403
    token = csrf_of(client)
    assert client.post(f"/admin/form-requests/{failed}/retry",
                       data={"csrf_token": token}).status_code == 403
    with db.session() as s:
        row = s.get(FormSubmission, failed)
        assert row is not None and row.status == "failed"
