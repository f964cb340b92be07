"""/admin/retention: admins set the rules (audited), see the next run and the last runs."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.retention.sweep import COMMAND_ACTOR, run_retention
from desk.models import AuditEntry, RetentionRule
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def test_an_admin_sets_the_rules_and_sees_the_runs(
    client: TestClient, make_user, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    admin = make_user("admin", name="Ada Admin")
    sign_in(client, admin)
    page = client.get("/admin/retention")
    assert page.status_code == 200 and "No run is scheduled" in page.text
    assert 'href="/admin/retention"' in client.get("/admin/").text

    saved = client.post("/admin/retention", data={
        "csrf_token": csrf_of(client, "/admin/retention"), "raw_mail": "90",
        "anonymise_customers": ""}, follow_redirects=False)

    assert saved.status_code == 303
    assert session.get(RetentionRule, "raw_mail") is not None
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "retention")).one()
    assert (entry.actor_name, entry.changes) == ("Ada Admin", {"raw_mail": [None, 90]})
    run_retention(session, settings.attachments_dir, COMMAND_ACTOR)
    page = client.get("/admin/retention")
    assert 'value="90"' in page.text and "Next run:" in page.text
    assert "desk retention run" in page.text and "data-run=" in page.text


def test_a_wrong_number_is_refused_beside_its_field(
    client: TestClient, make_user, session: Session,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(client, make_user("admin"))
    refused = client.post("/admin/retention", data={
        "csrf_token": csrf_of(client, "/admin/retention"), "raw_mail": "0",
        "anonymise_customers": "365"})
    assert refused.status_code == 422
    assert 'id="raw_mail-error"' in refused.text and 'value="365"' in refused.text
    assert session.exec(select(RetentionRule)).all() == []


def test_only_admins_see_or_change_the_rules(
    client: TestClient, make_user,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(client, make_user("supervisor"))
    assert client.get("/admin/retention").status_code == 403
    token = csrf_of(client)
    assert client.post("/admin/retention", data={"csrf_token": token, "raw_mail": "1"}
                       ).status_code == 403


def test_an_admin_sets_the_solved_ticket_content_rule_and_its_runs_count_tickets(
    client: TestClient, make_user, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(client, make_user("admin", name="Ada Admin"))
    assert 'name="ticket_content"' in client.get("/admin/retention").text
    saved = client.post("/admin/retention", data={
        "csrf_token": csrf_of(client, "/admin/retention"), "raw_mail": "",
        "anonymise_customers": "", "ticket_content": "1095"}, follow_redirects=False)
    assert saved.status_code == 303
    rule = session.get(RetentionRule, "ticket_content")
    assert rule is not None and rule.days == 1095
    run_retention(session, settings.attachments_dir, COMMAND_ACTOR)
    page = client.get("/admin/retention").text
    assert 'value="1095"' in page and "Tickets emptied" in page
    (run,) = session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).all()
    assert run.changes["ticket_contents_removed"] == [1095, 0]


def test_a_ticket_emptied_by_the_content_rule_says_so_on_its_page(
    client: TestClient, make_user, session: Session, settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    from channels.message import Identity, InboundMessage
    from desk.actions.ingest.one import ingest_message
    from desk.actions.retention.content import remove_ticket_content
    from desk.db import commit

    emptied, _ = ingest_message(session, settings, InboundMessage(
        "web", Identity("email", "kim@example.com", "Kim Lee"), "Passport copy", "My passport number."))
    kept, _ = ingest_message(session, settings, InboundMessage(
        "web", Identity("email", "kim@example.com", "Kim Lee"), "Printer", "The printer is off."))
    commit(session)
    assert emptied.id is not None and kept.id is not None
    remove_ticket_content(session, COMMAND_ACTOR, emptied.id, settings.attachments_dir)
    commit(session)
    sign_in(client, make_user("admin", name="Ada Admin"))
    page = client.get(f"/agent/tickets/{emptied.id}").text
    assert "data-content-removed" in page and "removed on" in page
    assert "My passport number." not in page
    other = client.get(f"/agent/tickets/{kept.id}").text
    assert "data-content-removed" not in other and "The printer is off." in other
