"""The ticket page keeps to the board's status rules: an agent does not close by hand (but
may close as spam), a closed ticket stays closed, nothing goes back to New. Its lists offer
only what may be chosen, and a refused save is shown back with the reason and the input."""

from __future__ import annotations

import re

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.handling import save_ticket_changes
from desk.db import Database, commit
from desk.models import Message, Ticket
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings, status: str = "") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "It is off."))
        commit(s)
        if status:  # the system (a rule, say) may set any status
            save_ticket_changes(s, SYSTEM, ticket, {"status": status})
        assert ticket.id is not None
        return ticket.id


def _ticket_row(db: Database, number: int) -> Ticket:
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        return ticket


def _options(page: str, select_id: str) -> list[str]:
    select = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def test_an_agent_closing_by_hand_on_the_page_is_refused_with_the_reason_and_input_kept(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings, "open")
    page = agent_client.get(f"/agent/tickets/{number}").text
    assert _options(page, "status") == ["open", "pending", "on_hold", "solved"]
    assert _options(page, "reply-status") == ["open", "pending", "on_hold", "solved"]
    refused = agent_client.post(f"/agent/tickets/{number}", data={
        "csrf_token": csrf_of(agent_client), "status": "closed", "priority": "urgent",
        "team_id": "", "assignee_id": "", "tags": "printer"})
    assert refused.status_code == 400
    assert "Only supervisors and admins close tickets by hand: mark it Solved." in refused.text
    assert 'option value="urgent" selected' in refused.text and 'value="printer"' in refused.text
    ticket = _ticket_row(db, number)
    assert (ticket.status, ticket.priority) == ("open", "normal")
    back = agent_client.post(f"/agent/tickets/{number}", data={
        "csrf_token": csrf_of(agent_client), "status": "new"})
    assert back.status_code == 400 and "A ticket goes back to New only when" in back.text
    spam = agent_client.post(f"/agent/tickets/{number}", data={
        "csrf_token": csrf_of(agent_client), "status": "closed", "tags": "spam"},
        follow_redirects=False)
    assert spam.status_code == 303 and _ticket_row(db, number).status == "closed"


def test_a_reply_that_sets_a_refused_status_sends_nothing_and_keeps_the_text(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings, "solved")
    refused = agent_client.post(f"/agent/tickets/{number}/replies", data={
        "csrf_token": csrf_of(agent_client), "text": "Closing this for good.",
        "status": "closed"})
    assert refused.status_code == 400
    assert re.search(r'id="reply_status-error">Only supervisors and admins close tickets by hand',
                     refused.text)
    assert "Closing this for good.</textarea>" in refused.text
    with db.session() as s:
        texts = s.exec(select(Message.text).where(Message.ticket_id == number)).all()
    assert texts == ["It is off."]
    assert _ticket_row(db, number).status == "solved"


def test_a_supervisor_closes_by_hand_and_a_closed_ticket_offers_no_way_back(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    number = _ticket(db, settings, "solved")
    supervisor = sign_in(client, make_user("supervisor"))
    closed = supervisor.post(f"/agent/tickets/{number}", data={
        "csrf_token": csrf_of(supervisor), "status": "closed"}, follow_redirects=False)
    assert closed.status_code == 303 and _ticket_row(db, number).status == "closed"
    page = supervisor.get(f"/agent/tickets/{number}").text
    assert _options(page, "status") == ["closed"]
    reopened = supervisor.post(f"/agent/tickets/{number}", data={
        "csrf_token": csrf_of(supervisor), "status": "open"})
    assert reopened.status_code == 400 and "A closed ticket stays closed" in reopened.text
