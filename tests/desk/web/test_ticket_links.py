"""The ticket page's merge, split and link forms, and what both tickets' pages show after."""

from __future__ import annotations

import re

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.links import request_token
from desk.models import Message, Ticket
from desk.settings import Settings
from tests.conftest import csrf_of


def _ticket(db: Database, settings: Settings, subject: str, email: str = "kim@example.com",
            text: str = "It is off.") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", email, "Kim"), subject, text))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_merging_from_the_page_moves_the_messages_and_both_pages_say_so(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    source = _ticket(db, settings, "Printer offline", text="Printer says PC LOAD LETTER")
    target = _ticket(db, settings, "Printer still offline")
    token = csrf_of(agent_client, f"/agent/tickets/{source}")
    page = agent_client.get(f"/agent/tickets/{source}").text
    assert f'<option value="{target}">#{target} Printer still offline</option>' in page

    r = agent_client.post(f"/agent/tickets/{source}/merge",
                          data={"csrf_token": token, "target": str(target), "confirm": "1"},
                          follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/agent/tickets/{target}"
    target_page = agent_client.get(f"/agent/tickets/{target}").text
    assert "PC LOAD LETTER" in target_page
    assert "Merged into this ticket:" in target_page and f'href="/agent/tickets/{source}"' in target_page
    assert "merged another ticket into this one" in target_page
    source_page = agent_client.get(f"/agent/tickets/{source}").text
    assert "Merged into" in source_page and f'href="/agent/tickets/{target}"' in source_page
    assert "merged this ticket into another" in source_page
    assert "Answer there" in source_page and f'action="/agent/tickets/{source}/replies"' not in source_page
    assert "merged_into" not in re.sub(r"<[^>]+>", "", source_page)  # labels, not raw keys


def test_merging_with_another_customers_ticket_is_refused_with_the_reason(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    mine = _ticket(db, settings, "Printer offline")
    theirs = _ticket(db, settings, "Scanner", email="lee@example.org")
    token = csrf_of(agent_client, f"/agent/tickets/{mine}")
    r = agent_client.post(f"/agent/tickets/{mine}/merge",
                          data={"csrf_token": token, "target": f"#{theirs}", "confirm": "1"})
    assert r.status_code == 400
    assert "Only tickets of the same customer can be merged." in r.text
    r = agent_client.post(f"/agent/tickets/{mine}/merge",
                          data={"csrf_token": token, "target": "99999", "confirm": "1"})
    assert r.status_code == 400 and "There is no ticket with that number." in r.text
    r = agent_client.post(f"/agent/tickets/{mine}/merge", data={"csrf_token": token, "target": str(mine)})
    assert r.status_code == 400 and "Tick the box to confirm the merge." in r.text
    with db.session() as s:
        ticket = s.get(Ticket, mine)
        assert ticket is not None and ticket.merged_into_id is None and ticket.status == "new"


def test_splitting_a_message_off_opens_a_new_ticket(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings, "Printer offline")
    token = csrf_of(agent_client, f"/agent/tickets/{number}")
    agent_client.post(f"/agent/tickets/{number}/replies",
                      data={"csrf_token": token, "kind": "note", "text": "Scanner also broken"})
    with db.session() as s:
        note = s.exec(select(Message).where(Message.text == "Scanner also broken")).one()
    page = agent_client.get(f"/agent/tickets/{number}").text
    assert "Split into a new ticket" in page
    r = agent_client.post(f"/agent/tickets/{number}/split", data={
        "csrf_token": token, "message_id": str(note.id), "subject": "Scanner broken"},
        follow_redirects=False)
    assert r.status_code == 303
    new = int(r.headers["location"].rsplit("/", 1)[1])
    new_page = agent_client.get(f"/agent/tickets/{new}").text
    assert "Scanner broken" in new_page and "Scanner also broken" in new_page
    assert f'href="/agent/tickets/{number}"' in new_page  # history: split off from #number
    assert "Scanner also broken" not in agent_client.get(f"/agent/tickets/{number}").text


def test_linking_shows_the_link_on_both_pages_and_it_can_be_removed(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    one = _ticket(db, settings, "Printer offline")
    two = _ticket(db, settings, "Office network down", email="lee@example.org")
    token = csrf_of(agent_client, f"/agent/tickets/{one}")
    r = agent_client.post(f"/agent/tickets/{one}/links", data={"csrf_token": token, "number": str(two)},
                          follow_redirects=False)
    assert r.status_code == 303
    assert f'data-linked="{two}"' in agent_client.get(f"/agent/tickets/{one}").text
    other_page = agent_client.get(f"/agent/tickets/{two}").text
    assert f'data-linked="{one}"' in other_page and "linked a related ticket" in other_page
    r = agent_client.post(f"/agent/tickets/{two}/links/{one}/delete", data={"csrf_token": token},
                          follow_redirects=False)
    assert r.status_code == 303
    assert f'data-linked="{two}"' not in agent_client.get(f"/agent/tickets/{one}").text
    r = agent_client.post(f"/agent/tickets/{one}/links", data={"csrf_token": token, "number": "abc"})
    assert r.status_code == 400 and "There is no ticket with that number." in r.text


def test_the_customers_link_to_a_merged_ticket_leads_to_the_ticket_it_was_merged_into(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    source = _ticket(db, settings, "Printer offline", text="Printer says PC LOAD LETTER")
    target = _ticket(db, settings, "Printer still offline")
    token = csrf_of(agent_client, f"/agent/tickets/{source}")
    agent_client.post(f"/agent/tickets/{source}/merge",
                      data={"csrf_token": token, "target": str(target), "confirm": "1"})
    with db.session() as s:
        ticket = s.get(Ticket, source)
        assert ticket is not None
        link = request_token(settings.secret_key, source, ticket.customer_id)
    page = agent_client.get(f"/requests/{link}")
    assert page.status_code == 200 and "Printer still offline" in page.text
    assert "PC LOAD LETTER" in page.text


def test_search_finds_a_merged_message_in_the_ticket_it_moved_to(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    source = _ticket(db, settings, "Printer offline", text="Printer says PCLOADLETTER")
    target = _ticket(db, settings, "Router still offline")
    token = csrf_of(agent_client, f"/agent/tickets/{source}")
    agent_client.post(f"/agent/tickets/{source}/merge",
                      data={"csrf_token": token, "target": str(target), "confirm": "1"})
    found = agent_client.get("/agent/?q=PCLOADLETTER").text
    assert f'href="/agent/tickets/{target}">Router still offline' in found
    assert f'href="/agent/tickets/{source}"' not in found


def test_after_a_merge_the_tickets_links_show_on_the_ticket_merged_into(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    source = _ticket(db, settings, "Printer offline")
    target = _ticket(db, settings, "Printer still offline")
    network = _ticket(db, settings, "Office network down", email="lee@example.org")
    token = csrf_of(agent_client, f"/agent/tickets/{source}")
    agent_client.post(f"/agent/tickets/{source}/links", data={"csrf_token": token, "number": str(network)})
    agent_client.post(f"/agent/tickets/{source}/merge",
                      data={"csrf_token": token, "target": str(target), "confirm": "1"})
    page = agent_client.get(f"/agent/tickets/{target}").text
    assert f'data-linked="{network}"' in page
    assert "Linked tickets taken over" in page and "links" not in re.sub(r"<[^>]+>", "", page).split()
    assert f'data-linked="{target}"' in agent_client.get(f"/agent/tickets/{network}").text
