"""The review list, review policy, notifications, transfer and privacy pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.records import create_customer, update_customer
from desk.actions.ingest.one import ingest_one
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, Notification, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in

MakeUser = Callable[..., User]


def _customer(db: Database, name: str, email: str, owner: User | None = None,
              days_ago: int = 0) -> int:
    with db.session() as s:
        customer = create_customer(s, SYSTEM, {"name": name, "emails": [email],
                                               "owner_id": owner.id if owner else None})
        customer.created_at = now() - timedelta(days=days_ago)
        s.add(customer)
        commit(s)
        assert customer.id is not None
        return customer.id


def test_review_list_shows_my_due_records_and_mark_reviewed_takes_one_off(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    agent = make_user("agent", name="Ana")
    due = _customer(db, "Due Dora", "dora@example.com", agent, days_ago=120)
    _customer(db, "Fresh Fred", "fred@example.com", agent, days_ago=10)
    _customer(db, "Nobody's Nina", "nina@example.com", None, days_ago=500)
    sign_in(client, agent)
    page = client.get("/agent/customers/review")
    assert page.status_code == 200
    assert "Due Dora" in page.text and f'href="/agent/customers/{due}"' in page.text
    assert "Fresh Fred" not in page.text and "Nina" not in page.text
    done = client.post(f"/agent/customers/{due}/reviewed", follow_redirects=False, data={
        "csrf_token": csrf_of(client), "next": "/agent/customers/review"})
    assert (done.status_code, done.headers["location"]) == (303, "/agent/customers/review")
    assert "Due Dora" not in client.get("/agent/customers/review").text
    away = client.post(f"/agent/customers/{due}/reviewed", follow_redirects=False, data={
        "csrf_token": csrf_of(client), "next": "//evil.example/"})
    assert away.headers["location"] == f"/agent/customers/{due}"


def test_only_supervisors_see_another_agents_review_list(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    ana, bo = make_user("agent", name="Ana"), make_user("agent", name="Bo")
    _customer(db, "Bo's Old Client", "old@example.com", bo, days_ago=365)
    sign_in(client, ana)
    assert client.get(f"/agent/customers/review?owner_id={bo.id}").status_code == 403
    sign_in(client, make_user("supervisor"))
    assert "Bo&#39;s Old Client" in client.get(f"/agent/customers/review?owner_id={bo.id}").text


def test_admin_sets_review_days_and_the_list_follows(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin", name="Root")
    _customer(db, "Forty Days", "forty@example.com", admin, days_ago=40)
    sign_in(client, admin)
    assert "Forty Days" not in client.get("/agent/customers/review").text
    assert 'href="/admin/review-policy"' in client.get("/admin/").text
    token = csrf_of(client, "/admin/review-policy")
    bad = client.post("/admin/review-policy", data={
        "csrf_token": token, "vip": "0", "standard": "30", "prospect": "180"})
    assert bad.status_code == 400 and "from 1 to 3650" in bad.text
    saved = client.post("/admin/review-policy", follow_redirects=False, data={
        "csrf_token": token, "vip": "30", "standard": "30", "prospect": "180"})
    assert saved.status_code == 303
    assert 'value="30"' in client.get("/admin/review-policy").text
    assert "Forty Days" in client.get("/agent/customers/review").text
    sign_in(client, make_user("supervisor"))
    assert client.get("/admin/review-policy").status_code == 403


def test_contact_change_by_another_agent_shows_in_the_owners_notifications(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    owner, colleague = make_user("agent", name="Owner"), make_user("agent", name="Colleague")
    customer_id = _customer(db, "王小明", "xm@example.cn", owner)
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None
        update_customer(s, Actor.of_user(colleague), customer, {"phones": ["+86 138 0013 8000"]})
        commit(s)
    sign_in(client, owner)
    assert 'href="/agent/notifications"' in client.get("/agent/").text
    page = client.get("/agent/notifications")
    assert "Contact details of 王小明 changed" in page.text
    assert f'href="/agent/customers/{customer_id}"' in page.text and 'class="unread"' in page.text
    read = client.post("/agent/notifications/read", data={"csrf_token": csrf_of(client)},
                       follow_redirects=False)
    assert read.status_code == 303
    assert 'class="unread"' not in client.get("/agent/notifications").text
    with db.session() as s:
        assert s.exec(select(Notification)).one().read_at is not None


def _assigned_ticket(db: Database, settings: Settings, customer_id: int, agent: User,
                     status: str) -> int:
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None
        opened = ingest_one(s, settings, InboundMessage(
            channel="web", sender=Identity("email", customer.email, customer.name),
            subject="Invoice", text="Where is my invoice?"))
        ticket = s.get(Ticket, opened.ticket_id)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, {"assignee_id": agent.id, "status": status})
        commit(s)
        return opened.ticket_id


def test_supervisor_transfers_a_leaving_agents_customers_and_open_tickets(
    client: TestClient, db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    leaving, taking = make_user("agent", name="Leaving Lee"), make_user("agent", name="Taking Tao")
    customer_id = _customer(db, "Client", "client@example.com", leaving)
    open_id = _assigned_ticket(db, settings, customer_id, leaving, "open")
    solved_id = _assigned_ticket(db, settings, customer_id, leaving, "solved")
    sign_in(client, make_user("supervisor", name="Sue"))
    preview = client.get(f"/agent/customers/transfer?from_id={leaving.id}&to_id={taking.id}")
    assert "1 customers and 1 open tickets will move." in preview.text
    token = csrf_of(client, "/agent/customers/transfer")
    same = client.post("/agent/customers/transfer", data={
        "csrf_token": token, "from_id": str(leaving.id), "to_id": str(leaving.id)})
    assert same.status_code == 400 and "Choose two different agents." in same.text
    moved = client.post("/agent/customers/transfer", data={
        "csrf_token": token, "from_id": str(leaving.id), "to_id": str(taking.id)})
    assert moved.status_code == 200 and "Moved 1 customers and 1 tickets." in moved.text
    with db.session() as s:
        assert s.get(Customer, customer_id).owner_id == taking.id  # type: ignore[union-attr]
        assert s.get(Ticket, open_id).assignee_id == taking.id  # type: ignore[union-attr]
        assert s.get(Ticket, solved_id).assignee_id == leaving.id  # type: ignore[union-attr]
        summary = s.exec(select(AuditEntry).where(AuditEntry.action == "work_transferred")).one()
        assert (summary.entity_id, summary.actor_name) == (leaving.id, "Sue")


def test_agents_may_not_transfer_export_or_anonymise(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    other = make_user("agent")
    customer_id = _customer(db, "Client", "client@example.com")
    sign_in(client, make_user("agent"))
    token = csrf_of(client)
    assert client.get("/agent/customers/transfer").status_code == 403
    assert client.post("/agent/customers/transfer", data={
        "csrf_token": token, "from_id": str(other.id), "to_id": str(other.id)}).status_code == 403
    assert client.get(f"/agent/customers/{customer_id}/privacy-export").status_code == 403
    assert client.get(f"/agent/customers/{customer_id}/anonymise").status_code == 403
    assert client.post(f"/agent/customers/{customer_id}/anonymise", data={
        "csrf_token": token, "confirm": str(customer_id)}).status_code == 403
    with db.session() as s:
        assert s.get(Customer, customer_id).anonymised_at is None  # type: ignore[union-attr]


def test_privacy_export_downloads_json_with_chinese_kept(
    client: TestClient, db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    customer_id = _customer(db, "王小明", "xm@example.cn")
    _assigned_ticket(db, settings, customer_id, agent, "open")
    sign_in(client, make_user("supervisor"))
    download = client.get(f"/agent/customers/{customer_id}/privacy-export")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f"attachment; filename=customer-{customer_id}.json"
    assert "王小明".encode() in download.content
    data = json.loads(download.content)
    assert data["tickets"][0]["messages"][0]["text"] == "Where is my invoice?"


def test_supervisor_anonymises_after_typing_the_number(
    client: TestClient, db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    customer_id = _customer(db, "Grace Hopper", "grace@example.com")
    ticket_id = _assigned_ticket(db, settings, customer_id, make_user("agent"), "open")
    sign_in(client, make_user("supervisor"))
    form = client.get(f"/agent/customers/{customer_id}/anonymise")
    assert form.status_code == 200 and "Grace Hopper" in form.text
    token = csrf_of(client, f"/agent/customers/{customer_id}/anonymise")
    wrong = client.post(f"/agent/customers/{customer_id}/anonymise",
                        data={"csrf_token": token, "confirm": "yes"})
    assert wrong.status_code == 400
    done = client.post(f"/agent/customers/{customer_id}/anonymise", follow_redirects=False,
                       data={"csrf_token": token, "confirm": str(customer_id)})
    assert (done.status_code, done.headers["location"]) == (303, f"/agent/customers/{customer_id}")
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None and customer.name == f"Anonymised customer #{customer_id}"
        assert s.get(Ticket, ticket_id) is not None
    again = client.post(f"/agent/customers/{customer_id}/anonymise",
                        data={"csrf_token": token, "confirm": str(customer_id)})
    assert again.status_code == 400 and "already anonymised" in again.text
