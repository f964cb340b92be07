"""Saving from a ticket page opened before someone else changed the ticket asks first: the
page shows what changed, keeps the agent's input, and "save anyway" saves it."""

from __future__ import annotations

import re

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import Actor
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.tickets.handling import save_ticket_changes
from desk.db import Database, commit
from desk.models import Customer, Message, Ticket, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "It is off."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _form(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` on ``page``."""
    start = page.index(f'action="{action}"')
    form = page[start:page.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form))


def _colleague_sets_priority(db: Database, colleague: User, number: int, priority: str) -> None:
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        save_ticket_changes(s, Actor.of_user(colleague), ticket, {"priority": priority})


def test_saving_properties_from_a_page_opened_before_a_colleagues_change_asks_first(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    number = _ticket(db, settings)
    sign_in(client, make_user("agent", name="Ana Agent"))
    colleague = make_user("agent", name="Bo Colleague")
    hidden = _form(client.get(f"/agent/tickets/{number}").text, f"/agent/tickets/{number}")
    assert {"version", "seen_entry", "seen_message"} <= set(hidden)

    _colleague_sets_priority(db, colleague, number, "urgent")
    mine = {"status": "pending", "priority": "normal", "team_id": "", "assignee_id": "",
            "tags": "printer"}
    refused = client.post(f"/agent/tickets/{number}", data={**hidden, **mine},
                          follow_redirects=False)

    assert refused.status_code == 409
    page = refused.text
    assert "This ticket changed since you opened it" in page and "Bo Colleague" in page
    row = page.split('data-field="priority"', 1)[1].split("</tr>", 1)[0]
    assert "Normal" in row and "Urgent" in row  # yours, then now
    assert 'option value="pending" selected' in page  # the agent's input is kept
    assert 'value="printer"' in page and "Save anyway" in page
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.priority == "urgent" and ticket.status == "new"

    again = _form(page, f"/agent/tickets/{number}")
    saved = client.post(f"/agent/tickets/{number}", data={**again, **mine}, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.priority == "normal" and ticket.status == "pending"


def test_a_save_from_an_up_to_date_page_goes_through(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings)
    hidden = _form(agent_client.get(f"/agent/tickets/{number}").text, f"/agent/tickets/{number}")
    r = agent_client.post(f"/agent/tickets/{number}", data={**hidden, "priority": "high"},
                          follow_redirects=False)
    assert r.status_code == 303
    # The same old form again is stale now: its own save moved the ticket on.
    r = agent_client.post(f"/agent/tickets/{number}", data={**hidden, "priority": "low"},
                          follow_redirects=False)
    assert r.status_code == 409
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.priority == "high"


def test_a_reply_written_while_the_customer_wrote_again_asks_before_sending(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings)
    action = f"/agent/tickets/{number}/replies"
    hidden = _form(agent_client.get(f"/agent/tickets/{number}").text, action)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        customer = s.get(Customer, ticket.customer_id)
        assert customer is not None
        add_customer_reply(s, settings, ticket, customer, "Never mind, it works again!")
        commit(s)

    refused = agent_client.post(action, data={**hidden, "kind": "reply",
                                              "text": "Please restart it"},
                                follow_redirects=False)
    assert refused.status_code == 409
    assert "Never mind, it works again!" in refused.text.split('id="conflict"', 1)[1]
    assert ">Please restart it</textarea>" in refused.text and "Send anyway" in refused.text
    with db.session() as s:
        outbound = s.exec(select(Message).where(Message.ticket_id == number,
                                                Message.direction == "outbound")).all()
        assert outbound == []

    sent = agent_client.post(action, data={**_form(refused.text, action), "kind": "reply",
                                           "text": "Please restart it"}, follow_redirects=False)
    assert sent.status_code == 303
    with db.session() as s:
        texts = [m.text for m in s.exec(select(Message).where(Message.ticket_id == number))]
    assert texts[-1] == "Please restart it"


def test_a_reply_is_not_held_up_by_a_property_change_it_does_not_touch(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    number = _ticket(db, settings)
    sign_in(client, make_user("agent"))
    action = f"/agent/tickets/{number}/replies"
    hidden = _form(client.get(f"/agent/tickets/{number}").text, action)
    _colleague_sets_priority(db, make_user("agent", name="Bo"), number, "high")
    sent = client.post(action, data={**hidden, "kind": "note", "text": "Checked the cable"},
                       follow_redirects=False)
    assert sent.status_code == 303
    # Setting the status with the reply would overwrite: that asks first.
    refused = client.post(action, data={**hidden, "kind": "note", "text": "Done",
                                        "status": "solved"}, follow_redirects=False)
    assert refused.status_code == 409


def test_a_reply_from_a_page_opened_before_the_ticket_was_merged_is_held(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number, other = _ticket(db, settings), _ticket(db, settings)
    action = f"/agent/tickets/{number}/replies"
    hidden = _form(agent_client.get(f"/agent/tickets/{number}").text, action)
    token = hidden["csrf_token"]
    agent_client.post(f"/agent/tickets/{number}/merge", data={"csrf_token": token, "target": str(other),
                                                                "confirm": "1"})
    refused = agent_client.post(action, data={**hidden, "kind": "reply", "text": "Restart it"},
                                follow_redirects=False)
    assert refused.status_code == 409 and "merged this ticket into another" in refused.text
    assert "Answer there" in refused.text and ">Restart it</textarea>" in refused.text


def test_a_macro_reply_asks_first_when_a_colleague_changed_what_its_actions_change(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    number = _ticket(db, settings)
    ana = make_user("agent", name="Ana Agent")
    sign_in(client, ana)
    client.post("/agent/macros", data={
        "csrf_token": csrf_of(client, "/agent/macros/new"), "name": "Mine", "text_zh": "",
        "text_en": "I am on it.", "scope": "personal", "set_status": "", "add_tags": "taken",
        "assignee": "me"})
    macro_id = re.search(r'<option value="(\d+)">Mine</option>',  # type: ignore[index]
                         client.get("/agent/").text)[1]
    action = f"/agent/tickets/{number}/replies"
    hidden = _form(client.get(f"/agent/tickets/{number}?macro={macro_id}").text, action)
    assert hidden["macro_id"] == macro_id
    bo = make_user("agent", name="Bo Colleague")
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        save_ticket_changes(s, Actor.of_user(bo), ticket, {"assignee_id": bo.id})

    refused = client.post(action, data={**hidden, "kind": "reply", "text": "I am on it."},
                          follow_redirects=False)
    assert refused.status_code == 409
    assert "Bo Colleague" in refused.text.split('id="conflict"', 1)[1]
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.assignee_id == bo.id  # not overwritten unseen
        assert s.exec(select(Message).where(Message.ticket_id == number,
                                            Message.direction == "outbound")).all() == []
    again = _form(refused.text, action)
    assert again["macro_id"] == macro_id
    sent = client.post(action, data={**again, "kind": "reply", "text": "I am on it."},
                       follow_redirects=False)
    assert sent.status_code == 303
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.assignee_id == ana.id
