"""Search from the top bar of every agent page: the queue lists what matches, the words
marked (escaped), a passage of the message that holds them, the filters kept."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.settings import Settings


def _ticket(db: Database, settings: Settings, subject: str, text: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim <Park>"), subject, text))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_every_agent_page_has_the_search_box(agent_client: TestClient) -> None:
    for path in ("/agent/", "/agent/customers", "/agent/notifications"):
        page = agent_client.get(path)
        assert 'class="top-search"' in page.text and 'name="q"' in page.text, path


def test_results_mark_the_words_and_show_the_passage(agent_client: TestClient, db: Database,
                                                     settings: Settings) -> None:
    found = _ticket(db, settings, "<script>Printer</script> jam",
                    "Hello.\nThe tray of the printer is stuck since Monday. Please help.")
    _ticket(db, settings, "Invoice", "Wrong amount.")
    page = agent_client.get("/agent/", params={"q": "PRINTER"})
    assert page.status_code == 200
    assert page.text.count("<tr data-ticket=") == 1
    assert f'data-ticket="{found}"' in page.text
    assert "&lt;script&gt;<mark>Printer</mark>&lt;/script&gt; jam" in page.text
    assert "The tray of the <mark>printer</mark> is stuck" in page.text
    assert 'name="q" value="PRINTER"' in page.text
    assert "<script>Printer" not in page.text


def test_search_keeps_the_filters_and_finds_chinese(agent_client: TestClient, db: Database,
                                                    settings: Settings) -> None:
    number = _ticket(db, settings, "打印机坏了", "墨盒漏墨")
    assert f'data-ticket="{number}"' in agent_client.get("/agent/?q=墨盒").text
    assert "<mark>墨盒</mark>" in agent_client.get("/agent/?q=墨盒").text
    assert "<tr data-ticket=" not in agent_client.get("/agent/?q=墨盒&status=solved").text


def test_a_ticket_number_is_offered(agent_client: TestClient, db: Database,
                                    settings: Settings) -> None:
    number = _ticket(db, settings, "Anything", "Else")
    page = agent_client.get("/agent/", params={"q": f"#{number}"})
    assert f'href="/agent/tickets/{number}"' in page.text


def test_hostile_queries_answer_a_page(agent_client: TestClient, db: Database,
                                       settings: Settings) -> None:
    _ticket(db, settings, "Printer", "NEAR the door")
    for q in ('" OR 1=1 --', "AND NOT", "NEAR(", "*", '"', "x" * 10_240):
        assert agent_client.get("/agent/", params={"q": q}).status_code == 200


def test_a_search_counts_its_matches_only_up_to_its_cap(
        agent_client: TestClient, db: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.queries.tickets import queue

    monkeypatch.setattr(queue, "SEARCH_COUNT_CAP", 3)
    for n in range(5):
        _ticket(db, settings, f"Toner {n}", "The toner is empty.")
    page = agent_client.get("/agent/", params={"q": "toner", "status": "new"})
    assert "3+ tickets" in page.text and page.text.count("<tr data-ticket=") == 5
    assert "5 tickets" in agent_client.get("/agent/", params={"status": "new"}).text
