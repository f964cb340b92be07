"""Numbers in a staff page's query string that no row can have (beyond 64 bits, Unicode
digits, negative) answer the page without that filter's rows or a 404, never a 500: a
hand-edited or stale link must not break the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.conftest import sign_in

# Every numeric query parameter a staff page reads (grep request.query_params in desk/web).
NUMERIC = ("team", "assignee", "customer", "covering", "page", "saved", "owner_id", "other",
           "before", "macro", "entity_id", "actor_id", "ticket", "page_new", "page_open",
           "page_pending", "page_solved", "page_closed")
HOSTILE = ("99999999999999999999", "\u00b2", "-1", "0")
SKIPPED = {"/agent/live"}  # a stream, tried below with its own parameter


def _pages(client: TestClient) -> list[str]:
    routes = [r for r in client.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
    return sorted({r.path for r in routes if "GET" in (r.methods or ())
                   and r.path.startswith(("/agent", "/admin", "/reports"))
                   and "{" not in r.path and r.path not in SKIPPED})


@pytest.mark.parametrize("value", HOSTILE)
def test_no_staff_page_fails_on_a_number_no_row_can_have(
    app_factory: Callable[[], object], db: Database, settings: Settings,
    make_user: Callable[..., User], value: str,
) -> None:
    client = TestClient(app_factory(), raise_server_exceptions=False)  # type: ignore[arg-type]
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "Help."))
        commit(s)
    sign_in(client, make_user("admin"))
    query = "&".join(f"{name}={value}" for name in NUMERIC)
    paths = [*_pages(client), f"/agent/tickets/{ticket.id}", "/admin/webhooks"]
    failed = {path: status for path in paths
              if (status := client.get(f"{path}?{query}").status_code) >= 500}
    assert failed == {}


@pytest.mark.parametrize("path", ["/agent/", "/agent/board"])
@pytest.mark.parametrize("name", ["team", "assignee", "customer", "covering"])
def test_a_filter_on_an_id_no_row_can_have_shows_no_tickets(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    path: str, name: str,
) -> None:
    with db.session() as s:
        ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "Help."))
        commit(s)
    sign_in(client, make_user("admin"))
    assert "Printer offline" in client.get(f"{path}?view=all_open").text
    page = client.get(f"{path}?{name}=99999999999999999999")
    assert page.status_code == 200 and "Printer offline" not in page.text


@pytest.mark.parametrize("value", ["99999999999999999999", "\u00b2"])
def test_the_live_stream_refuses_a_ticket_number_no_row_can_have(
    client: TestClient, make_user: Callable[..., User], value: str,
) -> None:
    sign_in(client, make_user("agent"))
    assert client.get(f"/agent/live?ticket={value}").status_code == 400
