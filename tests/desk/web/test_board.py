"""The kanban board: columns by status, cards, paging, moves through the ticket page's change,
refusals, and the move menu that works without JavaScript."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.queries.tickets.queue import ticket_history
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings, subject: str = "Printer offline",
            email: str = "kim@example.com", status: str | None = None, **fields: object) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", email, "Kim Lee"), subject, "It is off."))
        commit(s)
        changes = {**fields, **({"status": status} if status else {})}
        if changes:
            update_ticket(s, SYSTEM, ticket, changes)
            commit(s)
        assert ticket.id is not None
        return ticket.id


def _column(html: str, status: str) -> str:
    match = re.search(rf'<section class="board-column" data-column="{status}".*?</section>', html, re.S)
    assert match, status
    return match.group(0)


def _move(client: TestClient, number: int, status: str, **headers: str) -> object:
    token = csrf_of(client, "/agent/board")
    return client.post(f"/agent/board/move/{number}", headers=headers, follow_redirects=False,
                       data={"csrf_token": token, "status": status, "back": "view=all_open"})


def test_board_shows_a_column_per_status_with_cards(agent_client: TestClient, db: Database,
                                                    settings: Settings) -> None:
    fresh = _ticket(db, settings, "Fresh one")
    waiting = _ticket(db, settings, "Waiting on customer", status="pending", priority="urgent")
    page = agent_client.get("/agent/board")
    assert page.status_code == 200
    for status in ("new", "open", "pending", "on_hold", "solved", "closed"):
        _column(page.text, status)
    new = _column(page.text, "new")
    assert f'data-ticket="{fresh}"' in new and "Fresh one" in new and "Kim Lee" in new
    assert 'class="tier tier-standard"' in new
    pending = _column(page.text, "pending")
    assert f'data-ticket="{waiting}"' in pending and "priority-urgent" in pending
    assert re.search(r'<span class="count" data-count>1</span>', pending)


def test_board_column_is_paged(agent_client: TestClient, db: Database, settings: Settings) -> None:
    for i in range(27):
        _ticket(db, settings, f"Ticket {i}", email=f"c{i}@example.com")
    first = _column(agent_client.get("/agent/board").text, "new")
    assert first.count('class="card"') == 25
    more = re.search(r'href="([^"]+)" rel="next"', first)
    assert more and "page_new=2" in more.group(1)
    second = _column(agent_client.get(more.group(1).replace("&amp;", "&")).text, "new")
    assert second.count('class="card"') == 2
    assert "</span> Ticket 0</a>" in second


def test_move_without_javascript_changes_status_and_history(agent_client: TestClient, db: Database,
                                                            settings: Settings) -> None:
    number = _ticket(db, settings)
    response = _move(agent_client, number, "pending")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"].startswith("/agent/board?view=all_open")  # type: ignore[attr-defined]
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.status == "pending"
        history = ticket_history(s, number)
    assert history[-1].action == "updated" and history[-1].actor_type == "user"
    assert history[-1].changes == {"status": ["new", "pending"]}
    board = agent_client.get("/agent/board")
    assert f'data-ticket="{number}"' in _column(board.text, "pending")


def test_move_as_json_for_the_drag(agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    response = _move(agent_client, number, "solved", accept="application/json")
    assert response.status_code == 200  # type: ignore[attr-defined]
    answer = response.json()  # type: ignore[attr-defined]
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.status == "solved" and ticket.solved_at is not None
        # The version the card carries from now on: the next drag is checked against it.
        assert answer == {"ticket": number, "status": "solved", "version": ticket.version}


def test_agent_may_not_close_or_reopen_closed_and_is_told_why(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    refused = _move(agent_client, number, "closed", accept="application/json")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "supervisors" in refused.json()["error"]  # type: ignore[attr-defined]
    page = _move(agent_client, number, "closed")
    assert page.status_code == 400  # type: ignore[attr-defined]
    assert "Only supervisors and admins close tickets" in page.text  # type: ignore[attr-defined]
    back_to_new = _move(agent_client, _ticket(db, settings, status="open"), "new",
                        accept="application/json")
    assert back_to_new.status_code == 400  # type: ignore[attr-defined]
    closed = _ticket(db, settings, status="closed")
    reopen = _move(agent_client, closed, "open", accept="application/json")
    assert reopen.status_code == 400  # type: ignore[attr-defined]
    assert "stays closed" in reopen.json()["error"]  # type: ignore[attr-defined]
    with db.session() as s:
        assert s.get(Ticket, number).status == "new"  # type: ignore[union-attr]
        assert s.get(Ticket, closed).status == "closed"  # type: ignore[union-attr]
    nonsense = _move(agent_client, number, "deleted", accept="application/json")
    assert nonsense.status_code == 400  # type: ignore[attr-defined]


def test_move_menu_offers_only_what_the_agent_may_set(agent_client: TestClient, db: Database,
                                                      settings: Settings) -> None:
    number = _ticket(db, settings, status="open")
    card = re.search(rf'<li class="card" id="ticket-{number}".*?</li>',
                     agent_client.get("/agent/board").text, re.S)
    assert card
    options = re.findall(r'<option value="(\w+)"', card.group(0))
    assert options == ["open", "pending", "on_hold", "solved"]


def test_supervisor_closes_from_the_board(client: TestClient, make_user, db: Database,  # type: ignore[no-untyped-def]
                                          settings: Settings) -> None:
    sign_in(client, make_user("supervisor"))
    number = _ticket(db, settings, status="solved")
    assert _move(client, number, "closed").status_code == 303  # type: ignore[attr-defined]
    with db.session() as s:
        assert s.get(Ticket, number).status == "closed"  # type: ignore[union-attr]


def test_agent_of_another_team_cannot_see_or_move(client: TestClient, make_user, db: Database,  # type: ignore[no-untyped-def]
                                                  settings: Settings) -> None:
    agent: User = make_user("agent")
    with db.session() as s:
        billing = ensure_team(s, SYSTEM, "Billing")
        support = ensure_team(s, SYSTEM, "Support")
        add_to_team(s, SYSTEM, agent, support)
        commit(s)
        billing_id = billing.id
    number = _ticket(db, settings, "Invoice question", team_id=billing_id)
    sign_in(client, agent)
    assert f'data-ticket="{number}"' not in client.get("/agent/board").text
    assert _move(client, number, "pending").status_code == 403  # type: ignore[attr-defined]
    with db.session() as s:
        assert s.get(Ticket, number).status == "new"  # type: ignore[union-attr]


def test_board_of_my_open_shows_only_mine(client: TestClient, make_user, db: Database,  # type: ignore[no-untyped-def]
                                          settings: Settings) -> None:
    agent: User = make_user("agent")
    mine = _ticket(db, settings, "Mine", assignee_id=agent.id, status="pending")
    other = _ticket(db, settings, "Not mine")
    sign_in(client, agent)
    page = client.get("/agent/board?view=my_open").text
    assert f'data-ticket="{mine}"' in _column(page, "pending")
    assert f'data-ticket="{other}"' not in page


def test_a_card_moved_from_a_board_loaded_before_a_colleagues_change_is_refused(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings, "Printer offline", status="open")
    page = agent_client.get("/agent/board?view=all_open").text
    version = re.search(rf'data-ticket="{number}" data-status="open" data-version="(\d+)"', page)
    assert version, "the card carries the version it shows"
    assert f'name="version" value="{version.group(1)}"' in page  # the move menu too
    with db.session() as s:  # a colleague sets it pending meanwhile
        ticket = s.get(Ticket, number)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, {"status": "pending"})
        commit(s)
    token = csrf_of(agent_client, "/agent/board")
    stale = agent_client.post(f"/agent/board/move/{number}", headers={"Accept": "application/json"},
                              data={"csrf_token": token, "status": "solved", "version": version.group(1),
                                    "back": "view=all_open"})
    assert stale.status_code == 409
    assert stale.json()["status"] == "pending" and "since the board was loaded" in stale.json()["error"]
    with db.session() as s:
        assert s.get(Ticket, number).status == "pending"  # type: ignore[union-attr]
    fresh = agent_client.post(f"/agent/board/move/{number}", headers={"Accept": "application/json"},
                              data={"csrf_token": token, "status": "solved",
                                    "version": str(stale.json()["version"]), "back": "view=all_open"})
    assert fresh.status_code == 200 and fresh.json()["status"] == "solved"
    no_js = agent_client.post(f"/agent/board/move/{number}", data={
        "csrf_token": token, "status": "open", "version": version.group(1), "back": "view=all_open"})
    assert no_js.status_code == 400 and "since the board was loaded" in no_js.text


def test_a_card_shows_the_next_due_time_and_when_it_is_overdue(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    from datetime import timedelta

    from desk.models import TicketSla
    from desk.models.base import now
    from tests.desk.sla.helpers import make_policy

    late, later = _ticket(db, settings, "Late one"), _ticket(db, settings, "Later one")
    with db.session() as s:
        policy = make_policy(s)
        moment = now()
        for number, due in ((late, moment - timedelta(hours=2)), (later, moment + timedelta(hours=5))):
            s.add(TicketSla(ticket_id=number, policy_id=policy.id, first_response_due_at=due,
                            resolution_due_at=moment + timedelta(days=2)))
        commit(s)
    new = _column(agent_client.get("/agent/board").text, "new")
    cards = {int(n): card for n, card in re.findall(r'data-ticket="(\d+)"(.*?)</li>', new, re.S)}
    assert "first response due" in cards[late] and "(overdue)" in cards[late]
    assert (moment - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M") in cards[late]
    assert "first response due" in cards[later] and "overdue" not in cards[later]
