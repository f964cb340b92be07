"""Bulk actions from the queue: over ticked tickets or every ticket of a filter, each change
in each ticket's history, per-ticket refusals reported without undoing the rest."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets import bulk
from desk.actions.tickets.handling import save_ticket_changes
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.jobs.runner import execute_job
from desk.models import BulkRun, Job, Message, Ticket, User
from desk.queries.tickets.queue import ticket_history, ticket_tags
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _tickets(db: Database, settings: Settings, count: int, **changes: object) -> list[int]:
    numbers = []
    with db.session() as s:
        for i in range(count):
            ticket, _ = ingest_message(s, settings, InboundMessage(
                "web", Identity("email", f"c{i}@example.com", f"Customer {i}"), f"Ticket {i}",
                "Help."))
            if changes:
                save_ticket_changes(s, SYSTEM, ticket, dict(changes))
            commit(s)
            assert ticket.id is not None
            numbers.append(ticket.id)
    return numbers


def _bulk(client: TestClient, db: Database, **fields: object) -> BulkRun:
    """Post the queue's bulk form, run the job it queued, and return the run."""
    data = {"csrf_token": csrf_of(client), "scope": "selected", "filter": "", **fields}
    response = client.post("/agent/bulk", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    bulk_id = int(re.search(r"/agent/bulk/(\d+)", response.headers["location"])[1])  # type: ignore[index]
    with db.session() as s:
        job = s.exec(select(Job).where(Job.name == "run_bulk_action")
                     .where(Job.args["bulk_id"].as_integer() == bulk_id)).one()
    execute_job(db, job.id)  # type: ignore[arg-type]
    with db.session() as s:
        run = s.get(BulkRun, bulk_id)
        assert run is not None
        return run


def _status(db: Database, number: int) -> str:
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        return ticket.status


def test_queue_offers_checkboxes_and_the_bulk_form_without_javascript(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    [number] = _tickets(db, settings, 1)
    page = agent_client.get("/agent/?view=all_open&priority=normal")
    assert f'name="ids" value="{number}" form="bulk"' in page.text
    assert '<form id="bulk" method="post" action="/agent/bulk"' in page.text
    assert 'name="filter" value="view=all_open&amp;priority=normal"' in page.text


def test_a_status_change_on_ticked_tickets_lands_in_each_history(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    numbers = _tickets(db, settings, 4)
    run = _bulk(agent_client, db, ids=[str(n) for n in numbers[:3]], set_status="pending",
                add_tags="waiting, bulk")
    assert (run.total, run.done, run.changed, run.failures) == (3, 3, 3, [])
    assert run.finished_at is not None
    with db.session() as s:
        for number in numbers[:3]:
            assert _status(db, number) == "pending"
            assert ticket_tags(s, number) == ["bulk", "waiting"]
            [entry] = [e for e in ticket_history(s, number) if e.action == "updated"]
            assert entry.actor_type == "user"
            assert entry.changes["status"] == ["new", "pending"]
    assert _status(db, numbers[3]) == "new"
    page = agent_client.get(f"/agent/bulk/{run.id}")
    assert "3 of 3 tickets looked at, 3 changed, 0 not changed." in page.text


def test_every_ticket_of_a_filter_across_pages(agent_client: TestClient, db: Database,
                                               settings: Settings) -> None:
    urgent = _tickets(db, settings, 55, priority="urgent")
    normal = _tickets(db, settings, 2)
    run = _bulk(agent_client, db, scope="filter", filter="view=all_open&priority=urgent",
                set_priority="high")
    assert (run.total, run.changed) == (55, 55)
    assert {_status(db, n) for n in urgent} == {"new"}
    with db.session() as s:
        priorities = {n: t.priority for n in urgent + normal if (t := s.get(Ticket, n))}
    assert {priorities[n] for n in urgent} == {"high"}
    assert {priorities[n] for n in normal} == {"normal"}


def test_a_ticket_the_agent_may_not_change_is_reported_and_the_others_change(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    agent = make_user("agent")
    with db.session() as s:
        mine, other = ensure_team(s, SYSTEM, "Mine"), ensure_team(s, SYSTEM, "Other")
        add_to_team(s, SYSTEM, agent, mine)
        commit(s)
    allowed = _tickets(db, settings, 2, team_id=mine.id)
    [hidden] = _tickets(db, settings, 1, team_id=other.id)
    signed_in = sign_in(client, agent)
    run = _bulk(signed_in, db, ids=[str(allowed[0]), str(hidden), str(allowed[1]), "99999"],
                set_status="solved")
    assert run.changed == 2
    assert run.failures == [{"ticket_id": hidden, "reason": "forbidden"},
                            {"ticket_id": 99999, "reason": "not_found"}]
    assert [_status(db, n) for n in allowed] == ["solved", "solved"]
    assert _status(db, hidden) == "new"
    page = signed_in.get(f"/agent/bulk/{run.id}")
    assert "You may not change this ticket." in page.text
    assert f'href="/agent/tickets/{hidden}"' in page.text


def test_a_failure_on_one_ticket_does_not_undo_the_others(
        agent_client: TestClient, db: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = _tickets(db, settings, 3)
    original = bulk.apply_macro_actions

    def failing_on_the_second(session, actor, ticket, *args, **kwargs):  # type: ignore[no-untyped-def]
        events = original(session, actor, ticket, *args, **kwargs)
        session.flush()
        if ticket.id == numbers[1]:
            raise OperationalError("UPDATE ticket", {}, Exception("database is locked"))
        return events

    monkeypatch.setattr(bulk, "apply_macro_actions", failing_on_the_second)
    run = _bulk(agent_client, db, ids=[str(n) for n in numbers], set_status="on_hold")
    assert run.changed == 2
    assert [f["ticket_id"] for f in run.failures] == [numbers[1]]
    assert [_status(db, n) for n in numbers] == ["on_hold", "new", "on_hold"]
    with db.session() as s:
        assert [e.action for e in ticket_history(s, numbers[1])] == ["created"]


def test_a_macro_in_bulk_replies_to_each_customer_by_name_and_applies_its_actions(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    numbers = _tickets(db, settings, 2)
    token = csrf_of(agent_client, "/agent/macros/new")
    agent_client.post("/agent/macros", data={
        "csrf_token": token, "name": "Outage", "text_zh": "",
        "text_en": "Dear {{customer.name}}, fixed (#{{ ticket.number }}).", "scope": "personal",
        "set_status": "solved", "add_tags": "outage", "assignee": "me"})
    page = agent_client.get("/agent/")
    macro_id = re.search(r'<option value="(\d+)">Outage</option>', page.text)[1]  # type: ignore[index]
    run = _bulk(agent_client, db, ids=[str(n) for n in numbers], macro=macro_id)
    assert run.changed == 2
    with db.session() as s:
        agent = s.exec(select(User)).first()
        for i, number in enumerate(numbers):
            ticket = s.get(Ticket, number)
            assert ticket is not None and ticket.status == "solved"
            assert ticket.assignee_id == agent.id  # type: ignore[union-attr]
            assert ticket_tags(s, number) == ["outage"]
            texts = [m.text for m in s.exec(select(Message).where(Message.ticket_id == number))]
            assert texts[-1] == f"Dear Customer {i}, fixed (#{number})."


def test_nothing_ticked_or_nothing_chosen_is_refused_with_the_reason(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    [number] = _tickets(db, settings, 1)
    token = csrf_of(agent_client)
    none_ticked = agent_client.post("/agent/bulk", data={
        "csrf_token": token, "scope": "selected", "set_status": "solved"})
    assert none_ticked.status_code == 400
    assert "Tick the tickets to change" in none_ticked.text
    nothing = agent_client.post("/agent/bulk", data={
        "csrf_token": token, "scope": "selected", "ids": str(number)})
    assert nothing.status_code == 400 and "Choose what to change." in nothing.text
    bad = agent_client.post("/agent/bulk", data={
        "csrf_token": token, "ids": str(number), "set_status": "gone", "add_tags": "a b!"})
    assert bad.status_code == 400 and "Choose one of the options." in bad.text
    assert _status(db, number) == "new"


def test_a_run_goes_chunk_by_chunk_and_a_retry_continues_where_it_stopped(
        db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    numbers = _tickets(db, settings, 5)
    with db.session() as s:
        run = bulk.start_bulk(s, Actor.of_user(admin), admin, {"status": "open"}, numbers)
        assert run.id is not None
        assert not bulk.run_bulk_chunk(s, settings, run.id, size=2)
        assert not bulk.run_bulk_chunk(s, settings, run.id, size=2)
    assert [_status(db, n) for n in numbers] == ["open"] * 4 + ["new"]
    with db.session() as s:
        assert bulk.run_bulk_chunk(s, settings, run.id, size=2)
        assert bulk.run_bulk_chunk(s, settings, run.id, size=2)  # finished: nothing more
        done = s.get(BulkRun, run.id)
        assert done is not None and (done.done, done.changed) == (5, 5)
        assert all(len([e for e in ticket_history(s, n) if e.action == "updated"]) == 1
                   for n in numbers)


def test_only_the_agent_who_ran_it_and_supervisors_see_a_run(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    [number] = _tickets(db, settings, 1)
    owner = sign_in(client, make_user("agent"))
    run = _bulk(owner, db, ids=[str(number)], set_status="open")
    client.cookies.clear()
    assert sign_in(client, make_user("agent")).get(f"/agent/bulk/{run.id}").status_code == 403
    client.cookies.clear()
    assert sign_in(client, make_user("supervisor")).get(f"/agent/bulk/{run.id}").status_code == 200


def test_a_bulk_merge_puts_one_customers_tickets_into_one_and_reports_anothers(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    numbers = []
    with db.session() as s:
        for subject in ("Printer jam", "Printer still jammed", "Printer: any news?"):
            ticket, _ = ingest_message(s, settings, InboundMessage(
                "web", Identity("email", "kim@example.com", "Kim"), subject, subject + "!"))
            commit(s)
            numbers.append(ticket.id)
    [stranger] = _tickets(db, settings, 1)
    target = numbers[0]
    run = _bulk(agent_client, db, ids=[str(n) for n in [*numbers, stranger]], merge_into=f"#{target}")
    assert run.finished_at is not None and run.changed == 2
    assert [f["ticket_id"] for f in run.failures] == [stranger]
    assert run.failures[0]["reason"] == "merge"
    with db.session() as s:
        texts = {m.text for m in s.exec(select(Message).where(Message.ticket_id == target))}
        assert texts == {"Printer jam!", "Printer still jammed!", "Printer: any news?!"}
        for number in numbers[1:]:
            merged = s.get(Ticket, number)
            assert merged is not None and merged.merged_into_id == target
            assert merged.status == "closed"
        other = s.get(Ticket, stranger)
        assert other is not None and other.merged_into_id is None
    page = agent_client.get(f"/agent/bulk/{run.id}")
    assert "Only tickets of the same customer can be merged." in page.text


def test_a_bulk_merge_is_made_on_its_own_and_into_a_ticket_that_exists(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    numbers = _tickets(db, settings, 2)
    data = {"csrf_token": csrf_of(agent_client), "scope": "selected", "filter": "",
            "ids": [str(n) for n in numbers]}
    mixed = agent_client.post("/agent/bulk", data={**data, "merge_into": str(numbers[0]),
                                                    "set_status": "pending"})
    assert mixed.status_code == 400 and "A merge is made on its own" in mixed.text
    missing = agent_client.post("/agent/bulk", data={**data, "merge_into": "99999999"})
    assert missing.status_code == 400 and "This no longer exists." in missing.text
    assert {_status(db, n) for n in numbers} == {"new"}


def test_a_status_the_agent_may_not_set_by_hand_is_refused_per_ticket_with_the_reason(
        agent_client: TestClient, db: Database, settings: Settings) -> None:
    fresh, worked = _tickets(db, settings, 2)
    with db.session() as s:
        ticket = s.get(Ticket, worked)
        assert ticket is not None
        save_ticket_changes(s, SYSTEM, ticket, {"status": "open"})
    closing = _bulk(agent_client, db, ids=[str(fresh), str(worked)], set_status="closed")
    assert closing.changed == 0
    assert [(f["ticket_id"], f["reason"]) for f in closing.failures] == [
        (fresh, "status"), (worked, "status")]
    page = agent_client.get(f"/agent/bulk/{closing.id}")
    assert "Only supervisors and admins close tickets by hand: mark it Solved." in page.text
    back = _bulk(agent_client, db, ids=[str(worked)], set_status="new")
    assert back.changed == 0 and back.failures[0]["message"].startswith(
        "A ticket goes back to New only when nobody has worked on it")
    assert [_status(db, n) for n in (fresh, worked)] == ["new", "open"]


def test_a_filter_past_the_limit_says_it_took_the_first_ones_of_how_many(
        agent_client: TestClient, db: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.web.tickets import bulk as bulk_page
    monkeypatch.setattr(bulk, "MAX_TICKETS", 2)
    monkeypatch.setattr(bulk_page, "MAX_TICKETS", 2)
    numbers = _tickets(db, settings, 3)
    run = _bulk(agent_client, db, scope="filter", filter="view=all_open", set_priority="high")
    assert (run.total, run.matched, run.changed) == (2, 3, 2)
    page = agent_client.get(f"/agent/bulk/{run.id}")
    assert "This action takes the first 2 of 3 tickets" in page.text
    with db.session() as s:
        priorities = [t.priority for n in numbers if (t := s.get(Ticket, n))]
    assert sorted(priorities) == ["high", "high", "normal"]
    under = _bulk(agent_client, db, ids=[str(numbers[0])], set_priority="low")
    assert (under.total, under.matched) == (1, 1)
    assert "takes the first" not in agent_client.get(f"/agent/bulk/{under.id}").text


def test_an_unexpected_error_on_one_ticket_is_its_failure_and_the_chunk_goes_on(
        agent_client: TestClient, db: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = _tickets(db, settings, 5)
    original = bulk.apply_macro_actions

    def broken_on_the_second(session, actor, ticket, *args, **kwargs):  # type: ignore[no-untyped-def]
        events = original(session, actor, ticket, *args, **kwargs)
        session.flush()
        if ticket.id == numbers[1]:
            raise KeyError("a bug in a rule")
        return events

    monkeypatch.setattr(bulk, "CHUNK", 2)
    monkeypatch.setattr(bulk, "apply_macro_actions", broken_on_the_second)
    run = _bulk(agent_client, db, ids=[str(n) for n in numbers], set_status="pending")
    assert run.finished_at is not None and (run.done, run.changed) == (5, 4)
    assert [(f["ticket_id"], f["reason"]) for f in run.failures] == [(numbers[1], "error")]
    assert "KeyError" in run.failures[0]["detail"]
    assert [_status(db, n) for n in numbers] == ["pending", "new", "pending", "pending", "pending"]
    assert "The change could not be saved." in agent_client.get(f"/agent/bulk/{run.id}").text


def test_a_bulk_macro_skips_a_merged_ticket_and_says_so(
        agent_client: TestClient, db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    from desk.actions.tickets.merging import merge_into
    numbers = []
    with db.session() as s:
        for subject in ("Printer jam", "Printer still jammed"):
            ticket, _ = ingest_message(s, settings, InboundMessage(
                "web", Identity("email", "kim@example.com", "Kim"), subject, subject + "!"))
            commit(s)
            numbers.append(ticket.id)
        target, source = s.get(Ticket, numbers[0]), s.get(Ticket, numbers[1])
        assert target is not None and source is not None
        merge_into(s, SYSTEM, source, target)
        commit(s)
    token = csrf_of(agent_client, "/agent/macros/new")
    agent_client.post("/agent/macros", data={
        "csrf_token": token, "name": "Thanks", "text_zh": "", "text_en": "Thank you.",
        "scope": "personal", "set_status": "", "add_tags": "thanked", "assignee": ""})
    macro_id = re.search(r'<option value="(\d+)">Thanks</option>',  # type: ignore[index]
                         agent_client.get("/agent/").text)[1]
    run = _bulk(agent_client, db, ids=[str(n) for n in numbers], macro=macro_id)
    assert run.changed == 1
    assert run.failures == [{"ticket_id": numbers[1], "reason": "merged"}]
    with db.session() as s:
        assert ticket_tags(s, numbers[1]) == []
        assert "Thank you." not in {m.text for m in s.exec(
            select(Message).where(Message.ticket_id == numbers[1]))}
    page = agent_client.get(f"/agent/bulk/{run.id}")
    assert "its conversation goes on there" in page.text
