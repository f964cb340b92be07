"""The queue and the SLA (issue 13): a "Due" column with the time left, coloured as it nears; a
sort by next due time; VIP customers' tickets ahead of the others in every view, search
results and board columns included; the policy form's next-response targets, warning and
escalation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.models import Customer, SlaPolicy, Team, Ticket, User
from desk.queries.tickets.queue import TicketFilter, list_tickets
from desk.web.due import time_left
from tests.conftest import csrf_of, sign_in
from tests.desk.sla.helpers import _run_jobs, arrived, make_policy, ticket_of


def _rows(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-ticket="(\d+)"', page)]


def _make_vip(db: Database, ticket_id: int) -> None:
    with db.session() as s:
        customer = s.get(Customer, ticket_of(db, ticket_id).customer_id)
        assert customer is not None
        customer.tier = "vip"
        s.add(customer)
        commit(s)


def test_time_left_reads_as_people_say_it() -> None:
    moment = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    ok = time_left(moment + timedelta(hours=2, minutes=40), moment)
    assert (ok.text, ok.state) == ("in 2 h", "ok")
    soon = time_left(moment + timedelta(minutes=25), moment)
    assert (soon.text, soon.state) == ("in 25 min", "soon")
    late = time_left(moment - timedelta(minutes=15), moment)
    assert (late.text, late.state) == ("overdue 15 min", "overdue")
    assert time_left(moment + timedelta(days=3, hours=1), moment).text == "in 3 d"
    assert time_left(moment.replace(tzinfo=None) + timedelta(seconds=20), moment).text == "in 1 min"


def test_the_queue_shows_the_time_left_in_colour_and_sorts_by_it(
    db: Database, session: Session, settings, client: TestClient,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    make_policy(session, first=180)
    relaxed = arrived(db, settings, "ok@example.com", "Relaxed", minutes_ago=10)  # 2 h 50 min left
    close = arrived(db, settings, "soon@example.com", "Close", minutes_ago=160)  # 20 min left
    late = arrived(db, settings, "late@example.com", "Late", minutes_ago=200)  # 20 min overdue
    waiting = arrived(db, settings, "wait@example.com", "Waiting")
    with db.session() as s:
        row = s.get(Ticket, waiting)
        assert row is not None
        update_ticket(s, SYSTEM, row, {"status": "on_hold"})
        commit(s)
    _run_jobs(db)
    sign_in(client, make_user("supervisor"))
    page = client.get("/agent/?view=all_open&sort=due").text
    assert _rows(page) == [late, close, relaxed, waiting]
    cells = dict(re.findall(r'<tr data-ticket="(\d+)".*?data-label="Due">(.*?)</td>', page, re.S))
    assert 'class="due due-ok"' in cells[str(relaxed)] and "in 2 h" in cells[str(relaxed)]
    assert 'class="due due-soon"' in cells[str(close)]
    assert "in 19 min" in cells[str(close)] or "in 20 min" in cells[str(close)]
    assert 'class="due due-overdue"' in cells[str(late)] and "overdue 20 min" in cells[str(late)]
    assert "paused" in cells[str(waiting)]
    assert '<option value="due" selected>Next due time</option>' in page
    by_update = _rows(client.get("/agent/?view=all_open&sort=updated").text)
    assert by_update[0] == waiting  # the last one changed


def test_the_due_column_speaks_chinese(
    db: Database, session: Session, settings, client: TestClient,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    make_policy(session, first=180)
    arrived(db, settings, "zh@example.com", "打印机", minutes_ago=200)
    sign_in(client, make_user("supervisor", locale="zh_CN"))
    page = client.get("/agent/?view=all_open&sort=due").text
    assert "已超时 20 分钟" in page
    assert "下一个到期时间" in page


def test_vip_tickets_come_first_in_every_view_search_and_board(
    db: Database, session: Session, settings, client: TestClient,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    make_policy(session, first=180)
    vip = arrived(db, settings, "boss@example.com", "Printer jam at HQ", minutes_ago=100)
    _make_vip(db, vip)
    others = [arrived(db, settings, f"p{n}@example.com", f"Printer jam {n}") for n in range(3)]
    sign_in(client, make_user("supervisor"))
    for sort in ("updated", "oldest", "created", "priority", "due"):
        assert _rows(client.get(f"/agent/?view=all_open&sort={sort}").text)[0] == vip, sort
    assert _rows(client.get("/agent/?view=unassigned").text)[0] == vip
    found = _rows(client.get("/agent/?q=printer").text)
    assert found[0] == vip and sorted(found[1:]) == sorted(others)
    board = client.get("/agent/board?view=all_open").text
    column = board.split('data-column="new"', 1)[1]
    assert column.index(f"#{vip}<") < min(column.index(f"#{n}<") for n in others)


def test_pages_run_across_the_vip_tickets_and_the_rest(
    db: Database, session: Session, settings, make_user: Callable[..., User],  # type: ignore[no-untyped-def]
) -> None:
    numbers = [arrived(db, settings, f"c{n}@example.com", f"Case {n}") for n in range(6)]
    for number in numbers[:3]:
        _make_vip(db, number)
    boss = make_user("supervisor")
    with db.session() as s:
        pages = [list_tickets(s, boss, TicketFilter(view="all_open", sort="created", page=n, per_page=2))
                 for n in (1, 2, 3, 4)]
    assert [[t.id for t in p.tickets] for p in pages] == [
        [numbers[2], numbers[1]], [numbers[0], numbers[5]], [numbers[4], numbers[3]], []]
    assert [p.has_next for p in pages] == [True, True, False, False]
    assert pages[0].total == 6


def test_the_policy_form_takes_next_response_warning_and_escalation(
    client: TestClient, db: Database, session: Session, make_user: Callable[..., User],
) -> None:
    lead = make_user("agent", name="Lead")
    team = Team(name="Tier 2")
    session.add(team)
    commit(session)
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/sla")
    form = {"csrf_token": token, "name": "Gold", "zone": "UTC", "mon": "09:00-18:00",
            "next_response_high": "2", "warn_minutes": "45", "escalate_raise": "on",
            "escalate_notify": "on", "escalate_agent_id": str(lead.id), "escalate_team_id": str(team.id)}
    assert client.post("/admin/sla", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        policy = s.exec(select(SlaPolicy)).one()
        assert json.loads(policy.targets)["next_response"] == {"high": 120.0}
        assert (policy.warn_minutes, policy.escalate_raise, policy.escalate_notify) == (45, True, True)
        assert (policy.escalate_agent_id, policy.escalate_team_id) == (lead.id, team.id)
    page = client.get(f"/admin/sla/{policy.id}").text
    assert 'name="next_response_high" value="2"' in page and 'value="45"' in page
    bad = client.post("/admin/sla", data={**form, "name": "Bad", "warn_minutes": "soon",
                                          "escalate_agent_id": "999999"})
    assert bad.status_code == 422
    assert 'id="warn_minutes-error"' in bad.text
    bad = client.post("/admin/sla", data={**form, "name": "Bad", "escalate_agent_id": "999999"})
    assert bad.status_code == 422 and 'id="escalate_agent_id-error"' in bad.text


def test_a_ticket_is_vip_while_its_customer_is(
    db: Database, session: Session, settings,  # type: ignore[no-untyped-def]
) -> None:
    """The database keeps ticket.vip from the customer's tier, whatever changes either."""
    first = arrived(db, settings, "one@example.com", "First")
    other = arrived(db, settings, "two@example.com", "Other")
    assert not ticket_of(db, first).vip
    _make_vip(db, first)
    assert ticket_of(db, first).vip and not ticket_of(db, other).vip
    with db.session() as s:  # the ticket moves to another customer (as a merge of records does)
        s.execute(update(Ticket).where(col(Ticket.id) == other)
                  .values(customer_id=ticket_of(db, first).customer_id))
        commit(s)
    assert ticket_of(db, other).vip
    with db.session() as s:
        customer = s.get(Customer, ticket_of(db, first).customer_id)
        assert customer is not None
        customer.tier = "standard"
        s.add(customer)
        commit(s)
    assert not ticket_of(db, first).vip and not ticket_of(db, other).vip
    later = arrived(db, settings, "one@example.com", "Again")  # a new ticket of a VIP customer
    _make_vip(db, first)
    newest = arrived(db, settings, "one@example.com", "Once more")
    assert ticket_of(db, later).vip and ticket_of(db, newest).vip
