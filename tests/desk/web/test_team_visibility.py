"""Per-team visibility: an admin lets agents of other teams read a team's tickets; they open
them (and find them by search) but cannot answer or change them; other teams stay closed."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import AuditEntry, Message, Ticket, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings, subject: str, team_id: int | None) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), subject, "Order 4521 is late."))
        update_ticket(s, SYSTEM, ticket, {"team_id": team_id})
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_an_admin_opens_a_teams_tickets_to_other_agents_for_reading_only(
    client: TestClient, app_factory, db: Database, settings: Settings,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    agent, admin = make_user("agent", name="Ana"), make_user("admin", name="Ada")
    with db.session() as s:
        support, billing = ensure_team(s, SYSTEM, "Support"), ensure_team(s, SYSTEM, "Billing")
        closed = ensure_team(s, SYSTEM, "Legal")
        add_to_team(s, SYSTEM, agent, support)
        commit(s)
        billing_id, legal_id = billing.id, closed.id
    invoice = _ticket(db, settings, "Invoice 4521 wrong", billing_id)
    secret = _ticket(db, settings, "Contract 4521 dispute", legal_id)
    ana = sign_in(client, agent)
    assert ana.get(f"/agent/tickets/{invoice}").status_code == 403  # closed by default

    with TestClient(app_factory()) as admin_client:
        sign_in(admin_client, admin)
        token = csrf_of(admin_client, "/admin/teams")
        done = admin_client.post(f"/admin/teams/{billing_id}/visibility",
                                 data={"csrf_token": token, "readable_by_all": "1"},
                                 follow_redirects=False)
        assert done.status_code == 303
        assert ana.post(f"/admin/teams/{legal_id}/visibility", data={
            "csrf_token": csrf_of(ana), "readable_by_all": "1"}).status_code == 403

    page = ana.get(f"/agent/tickets/{invoice}")
    assert page.status_code == 200 and "Order 4521 is late." in page.text
    assert "data-read-only" in page.text and f'action="/agent/tickets/{invoice}/replies"' not in page.text
    token = csrf_of(ana)
    assert ana.post(f"/agent/tickets/{invoice}/replies", data={
        "csrf_token": token, "text": "Hi", "kind": "reply"}).status_code == 403
    assert ana.post(f"/agent/tickets/{invoice}", data={
        "csrf_token": token, "priority": "urgent"}).status_code == 403
    found = ana.get("/agent/?q=4521").text
    assert f'href="/agent/tickets/{invoice}"' in found and f'href="/agent/tickets/{secret}"' not in found
    assert ana.get(f"/agent/tickets/{secret}").status_code == 403
    with db.session() as s:
        ticket = s.get(Ticket, invoice)
        assert ticket is not None and ticket.priority != "urgent"
        assert len(s.exec(select(Message).where(Message.ticket_id == invoice)).all()) == 1
        changed = s.exec(select(AuditEntry).where(AuditEntry.entity == "team",
                                                  AuditEntry.entity_id == billing_id)).all()
        assert [e.changes for e in changed][-1] == {"readable_by_all": [False, True]}


def test_the_api_reads_what_the_team_setting_opens_and_still_refuses_writes(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
) -> None:
    from desk.actions.users import create_token
    from desk.models import Team

    agent = make_user("agent", name="Ana")
    with db.session() as s:
        support, billing = ensure_team(s, SYSTEM, "Support"), ensure_team(s, SYSTEM, "Billing")
        legal = ensure_team(s, SYSTEM, "Legal")
        add_to_team(s, SYSTEM, agent, support)
        billing.readable_by_all = True
        s.add(billing)
        headers = {"Authorization": f"Bearer {create_token(s, SYSTEM, agent)}"}
        commit(s)
        billing_id, legal_id = billing.id, legal.id
        assert s.get(Team, billing_id) is not None
    invoice = _ticket(db, settings, "Invoice 4521 wrong", billing_id)
    secret = _ticket(db, settings, "Contract 4521 dispute", legal_id)
    read = client.get(f"/api/v1/tickets/{invoice}", headers=headers)
    assert read.status_code == 200 and read.json()["subject"] == "Invoice 4521 wrong"
    assert client.get(f"/api/v1/tickets/{invoice}/links", headers=headers).status_code == 200
    assert client.get(f"/api/v1/tickets/{secret}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/tickets/{invoice}", headers=headers,
                        json={"priority": "urgent"}).status_code == 403
    assert client.post(f"/api/v1/tickets/{invoice}/replies", headers=headers,
                       json={"text": "Hi"}).status_code == 403
    with db.session() as s:
        ticket = s.get(Ticket, invoice)
        assert ticket is not None and ticket.priority != "urgent"
        assert len(s.exec(select(Message).where(Message.ticket_id == invoice)).all()) == 1
