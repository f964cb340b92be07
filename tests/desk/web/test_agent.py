"""The agent's queue and ticket page, sign-in, roles and CSRF."""

from __future__ import annotations

import re
import time

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import Message, Ticket
from desk.queries.tickets.queue import COUNT_CAP, SIDE_COUNT_CAP, ticket_history, view_counts
from desk.settings import Settings
from desk.web.templating import count_label
from tests.conftest import PASSWORD, csrf_of, sign_in


def _ticket(db: Database, settings: Settings, subject: str = "Printer offline",
            email: str = "kim@example.com") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", email, "Kim"), subject, "It is off."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_staff_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/agent/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/agent/login")


def test_wrong_password_is_refused_with_email_kept(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent")
    token = csrf_of(client, "/agent/login")
    response = client.post("/agent/login", data={"email": user.email, "password": "nope",
                                                  "csrf_token": token})
    assert response.status_code == 400
    assert f'value="{user.email}"' in response.text
    assert client.get("/agent/", follow_redirects=False).status_code == 303


def test_queue_shows_views_with_counts_and_new_ticket(agent_client: TestClient, db: Database,
                                                      settings: Settings) -> None:
    number = _ticket(db, settings)
    page = agent_client.get("/agent/?view=unassigned")
    assert page.status_code == 200
    assert f'href="/agent/tickets/{number}"' in page.text
    assert re.search(r'data-view="unassigned"><span>[^<]+</span> <span class="count">1<', page.text)
    assert re.search(r'data-view="my_open"><span>[^<]+</span> <span class="count">0<', page.text)


def test_filters_sorting_and_paging(agent_client: TestClient, db: Database, settings: Settings) -> None:
    for i in range(55):
        _ticket(db, settings, subject=f"Ticket {i}", email=f"c{i % 3}@example.com")
    first = agent_client.get("/agent/?view=all_open")
    assert first.text.count('<tr data-ticket=') == 50
    assert 'rel="next"' in first.text
    second = agent_client.get("/agent/?view=all_open&page=2")
    assert second.text.count('<tr data-ticket=') == 5
    only = agent_client.get("/agent/?customer=c1@example.com")
    assert only.text.count('<tr data-ticket=') == 18
    oldest = agent_client.get("/agent/?view=all_open&sort=oldest")
    assert oldest.text.index(">Ticket 0<") < oldest.text.index(">Ticket 1<")


def test_agent_replies_notes_and_changes_are_recorded(agent_client: TestClient, db: Database,
                                                      settings: Settings) -> None:
    number = _ticket(db, settings)
    token = csrf_of(agent_client, f"/agent/tickets/{number}")
    r = agent_client.post(f"/agent/tickets/{number}/replies",
                          data={"csrf_token": token, "kind": "note", "text": "Check the cable"},
                          follow_redirects=False)
    assert r.status_code == 303
    r = agent_client.post(f"/agent/tickets/{number}/replies",
                          data={"csrf_token": token, "kind": "reply", "text": "Please restart it",
                                "status": "pending"}, follow_redirects=False)
    assert r.status_code == 303
    r = agent_client.post(f"/agent/tickets/{number}",
                          data={"csrf_token": token, "status": "solved", "priority": "high",
                                "team_id": "", "assignee_id": "", "tags": "printer, hardware"},
                          follow_redirects=False)
    assert r.status_code == 303
    page = agent_client.get(f"/agent/tickets/{number}")
    assert 'class="message internal"' in page.text and 'class="message outbound"' in page.text
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.status == "solved" and ticket.priority == "high"
        actions = [(e.action, e.actor_type) for e in ticket_history(s, number)]
        directions = [m.direction for m in s.exec(select(Message).where(Message.ticket_id == number))]
    assert ("note_added", "user") in actions and ("replied", "user") in actions
    assert ("updated", "user") in actions
    assert directions == ["inbound", "internal", "outbound"]
    customer_view = agent_client.get("/agent/")  # still signed in
    assert customer_view.status_code == 200


def test_internal_note_never_reaches_the_customer(agent_client: TestClient, db: Database,
                                                  settings: Settings) -> None:
    client = TestClient(agent_client.app)
    sent = client.post("/requests", data={"name": "Kim", "email": "kim@example.com",
                                          "subject": "Help", "message": "Hi"},
                       follow_redirects=False)
    link = sent.headers["location"].split("?")[0]
    number = int(client.get(link).text.split('<span class="number">#', 1)[1].split("<", 1)[0])
    token = csrf_of(agent_client, f"/agent/tickets/{number}")
    agent_client.post(f"/agent/tickets/{number}/replies",
                      data={"csrf_token": token, "kind": "note", "text": "SECRET-NOTE-42"})
    agent_client.post(f"/agent/tickets/{number}/replies",
                      data={"csrf_token": token, "kind": "reply", "text": "Public answer"})
    page = client.get(link)
    assert "Public answer" in page.text
    assert "SECRET-NOTE-42" not in page.text


def test_post_without_csrf_token_changes_nothing(agent_client: TestClient, db: Database,
                                                 settings: Settings) -> None:
    number = _ticket(db, settings)
    r = agent_client.post(f"/agent/tickets/{number}", data={"status": "closed"})
    assert r.status_code == 403
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.status == "new"


def test_invalid_change_is_refused(agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    token = csrf_of(agent_client, f"/agent/tickets/{number}")
    r = agent_client.post(f"/agent/tickets/{number}", data={"csrf_token": token,
                                                             "status": "bogus", "assignee_id": "999"})
    assert r.status_code == 400
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.status == "new" and ticket.assignee_id is None


def test_agent_cannot_reach_admin_pages(agent_client: TestClient) -> None:
    assert agent_client.get("/admin/").status_code == 403
    token = csrf_of(agent_client)
    r = agent_client.post("/admin/staff", data={"csrf_token": token, "email": "x@y.z",
                                                "name": "X", "role": "admin",
                                                "password": "long enough password"})
    assert r.status_code == 403


def test_agent_cannot_open_another_teams_ticket(client: TestClient, db: Database,
                                                settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    agent = make_user("agent")
    number = _ticket(db, settings)
    with db.session() as s:
        billing = ensure_team(s, SYSTEM, "Billing")
        support = ensure_team(s, SYSTEM, "Support")
        add_to_team(s, SYSTEM, agent, support)
        ticket = s.get(Ticket, number)
        assert ticket is not None
        ticket.team_id = billing.id
        s.add(ticket)
        commit(s)
    sign_in(client, agent)
    assert client.get(f"/agent/tickets/{number}").status_code == 403
    assert f"/agent/tickets/{number}" not in client.get("/agent/?view=all_open").text


def test_expired_session_signs_out(app_factory, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent")
    # Cookie timestamps count whole seconds: with a 1-second life, a form fetched late in
    # one second and sent early in the next had expired (a flaky sign-in); 3 leaves room.
    with TestClient(app_factory(session_max_age=3)) as c:
        sign_in(c, user)
        assert c.get("/agent/", follow_redirects=False).status_code == 200
        time.sleep(4.1)
        assert c.get("/agent/", follow_redirects=False).status_code == 303


def test_staff_language_setting_translates_pages(agent_client: TestClient) -> None:
    token = csrf_of(agent_client)
    agent_client.post("/agent/preferences", data={"csrf_token": token, "locale": "zh_CN"})
    page = agent_client.get("/agent/")
    assert 'lang="zh-CN"' in page.text


def test_password_is_stored_as_argon2(make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash



def test_view_counts_stop_at_the_cap(db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user("supervisor")
    for i in range(4):
        _ticket(db, settings, subject=f"Ticket {i}")
    with db.session() as s:
        assert view_counts(s, supervisor, cap=3)["all_open"] == 3
        assert view_counts(s, supervisor)["all_open"] == 4
    # The side bar's counts stop at SIDE_COUNT_CAP (shown "1000+"); a page's total at COUNT_CAP.
    assert count_label(SIDE_COUNT_CAP) == f"{SIDE_COUNT_CAP}+" and count_label(12) == "12"
    assert count_label(COUNT_CAP, COUNT_CAP) == f"{COUNT_CAP}+"


def test_numbers_no_row_can_have_are_a_plain_404_not_a_server_error(agent_client: TestClient) -> None:
    for path in ("/agent/tickets/99999999999999999999", "/agent/tickets/2147483648",
                 "/agent/customers/99999999999999999999", "/agent/kb/99999999999999999999/edit",
                 "/help/articles/99999999999999999999"):
        assert agent_client.get(path).status_code == 404, path
    assert agent_client.get("/agent/tickets/2147483647").status_code == 404  # the largest id: no such ticket


def test_a_ticket_page_lists_only_the_customers_other_tickets_its_agent_may_open(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("agent")
    mine = _ticket(db, settings, subject="Printer offline")
    secret = _ticket(db, settings, subject="Salary dispute of the CFO")
    with db.session() as s:
        billing = ensure_team(s, SYSTEM, "Billing")
        support = ensure_team(s, SYSTEM, "Support")
        add_to_team(s, SYSTEM, agent, support)
        for number, team in ((mine, support), (secret, billing)):
            ticket = s.get(Ticket, number)
            assert ticket is not None
            ticket.team_id = team.id
            s.add(ticket)
        commit(s)
    sign_in(client, agent)
    page = client.get(f"/agent/tickets/{mine}").text
    assert "Salary dispute of the CFO" not in page and f"/agent/tickets/{secret}" not in page
    supervisor = make_user("supervisor", email="sup@desk.test")
    sign_in(client, supervisor)
    assert "Salary dispute of the CFO" in client.get(f"/agent/tickets/{mine}").text
