"""Saved views: personal or shared with a team, made from the queue's filter and sort, listed in
the side bar with their counts."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings, subject: str, priority: str = "normal") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), subject, "Help"))
        commit(s)
        if priority != "normal":
            update_ticket(s, SYSTEM, ticket, {"priority": priority})
            commit(s)
        assert ticket.id is not None
        return ticket.id


def _save(client: TestClient, name: str, team: str = "", **filters: str) -> object:
    token = csrf_of(client)
    return client.post("/agent/views", follow_redirects=False,
                       data={"csrf_token": token, "name": name, "team_share": team, **filters})


def _team_with(db: Database, name: str, *users: User) -> int:
    with db.session() as s:
        team = ensure_team(s, SYSTEM, name)
        for u in users:
            add_to_team(s, SYSTEM, u, team)
        commit(s)
        assert team.id is not None
        return team.id


def test_saved_view_lists_with_live_count_and_opens_its_filter(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    urgent = _ticket(db, settings, "Server down", "urgent")
    calm = _ticket(db, settings, "Question")
    saved = _save(agent_client, "Urgent open", view="all_open", priority="urgent", sort="oldest")
    assert saved.status_code == 303  # type: ignore[attr-defined]
    location = saved.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/agent/?view=all_open&priority=urgent&sort=oldest&saved=")
    page = agent_client.get(location)
    assert re.search(r'class="active" data-saved-view="\d+"><span>Urgent open</span> '
                     r'<span class="count">1</span>', page.text)
    assert f'href="/agent/tickets/{urgent}"' in page.text
    assert f'href="/agent/tickets/{calm}"' not in page.text
    _ticket(db, settings, "Another fire", "urgent")
    again = agent_client.get("/agent/")
    assert re.search(r'data-saved-view="\d+"><span>Urgent open</span> <span class="count">2</span>',
                     again.text)


def test_personal_view_is_not_seen_by_others_and_shared_one_is_by_the_team(
        client: TestClient, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana, bo, cy = make_user("agent"), make_user("agent"), make_user("agent")
    team = _team_with(db, "Support", ana, bo)
    sign_in(client, ana)
    _save(client, "Mine only", view="unassigned")
    assert _save(client, "Team pending", team=str(team), view="pending").status_code == 303  # type: ignore[attr-defined]
    sign_in(client, bo)
    page = client.get("/agent/").text
    assert "Team pending" in page and "Mine only" not in page
    sign_in(client, cy)
    page = client.get("/agent/").text
    assert "Team pending" not in page and "Mine only" not in page


def test_view_shared_with_a_team_one_is_not_in_is_refused(
        client: TestClient, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = make_user("agent")
    other = _team_with(db, "Billing")
    sign_in(client, ana)
    refused = _save(client, "Sneaky", team=str(other), view="all_open")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "Share views only with a team you belong to" in refused.text  # type: ignore[attr-defined]
    assert _save(client, "  ", view="all_open").status_code == 400  # type: ignore[attr-defined]
    assert "Sneaky" not in client.get("/agent/").text


def test_only_the_maker_deletes_a_view(client: TestClient, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana, bo = make_user("agent"), make_user("agent")
    team = _team_with(db, "Support", ana, bo)
    sign_in(client, ana)
    location = _save(client, "Shared", team=str(team), view="all_open").headers["location"]  # type: ignore[attr-defined]
    view_id = re.search(r"saved=(\d+)", location).group(1)  # type: ignore[union-attr]
    sign_in(client, bo)
    assert "Delete this view" not in client.get(location).text
    token = csrf_of(client)
    assert client.post(f"/agent/views/{view_id}/delete", data={"csrf_token": token}).status_code == 403
    sign_in(client, ana)
    assert "Delete this view" in client.get(location).text
    token = csrf_of(client)
    done = client.post(f"/agent/views/{view_id}/delete", data={"csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    assert f'data-saved-view="{view_id}"' not in client.get("/agent/").text


def test_board_link_carries_the_filter(agent_client: TestClient, db: Database,
                                       settings: Settings) -> None:
    page = agent_client.get("/agent/?view=all_open&priority=urgent")
    assert 'href="/agent/board?view=all_open&amp;priority=urgent"' in page.text


def test_the_covering_filter_can_be_saved_as_a_view(
        client: TestClient, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana, bo = make_user("agent"), make_user("agent")
    sign_in(client, ana)
    page = client.get(f"/agent/?covering={bo.id}").text
    form = page.split('action="/agent/views"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="covering" value="{bo.id}">' in form
    saved = _save(client, "Bo's tickets", covering=str(bo.id))
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert f"covering={bo.id}&saved=" in saved.headers["location"]  # type: ignore[attr-defined]
