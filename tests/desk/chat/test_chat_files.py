"""A visitor's files follow the request form's rules: a day's bytes per conversation, so
many uploads a minute per address, and a file's name is only ever shown as text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.models import ChatWidget, User
from desk.settings import Settings
from tests.conftest import sign_in

SITE = "https://shop.example.com"


def _widget(db: Database, settings: Settings) -> ChatWidget:
    with db.session() as s:
        saved = save_widget(s, SYSTEM, str(settings.secret_key), None,
                            WidgetForm(name="Shop", origins=SITE))
        assert saved is not None
        return saved


def _start(client: TestClient, widget: ChatWidget, page: str = "") -> str:
    response = client.post(f"/chat/w/{widget.key}/start", content=json.dumps(
        {"name": "Kim", "email": "kim@example.com", "page": page}),
        headers={"Content-Type": "text/plain", "Origin": SITE})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def _send(client: TestClient, widget: ChatWidget, token: str, name: str, size: int,
          mid: str) -> Any:
    return client.post(f"/chat/w/{widget.key}/files", data={"token": token, "id": mid},
                       files={"file": (name, b"x" * size, "image/png")}, headers={"Origin": SITE})


def test_a_chat_takes_no_more_file_bytes_a_day_than_a_requests_link(
        app_factory: Any, db: Database, settings: Settings) -> None:
    widget = _widget(db, settings)
    # A day's worth: max_attachments × max_attachment_bytes (desk.web.tickets.public).
    with TestClient(app_factory(max_attachment_bytes=1000, max_attachments=2)) as client:
        token = _start(client, widget)
        assert _send(client, widget, token, "a.png", 900, "f1").status_code == 200
        assert _send(client, widget, token, "b.png", 900, "f2").status_code == 200
        full = _send(client, widget, token, "c.png", 900, "f3")
        assert full.status_code == 413 and full.json()["field"] == "file"
        assert "as many files today" in full.json()["error"]
        assert _send(client, widget, token, "d.png", 150, "f4").status_code == 200  # what is left
        other = _start(client, widget)  # another visitor's chat has its own day
        assert _send(client, widget, other, "e.png", 900, "f5").status_code == 200


def test_one_address_sends_only_so_many_files_a_minute_whatever_the_chat(
        app_factory: Any, db: Database, settings: Settings) -> None:
    widget = _widget(db, settings)
    with TestClient(app_factory(form_rate_limit=3)) as client:
        codes = [_send(client, widget, _start(client, widget), f"{i}.png", 10, f"g{i}").status_code
                 for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_script_in_a_file_name_and_in_the_page_address_shows_as_text_to_the_agent(
        client: TestClient, db: Database, settings: Settings,
        make_user: Callable[..., User]) -> None:
    widget = _widget(db, settings)
    token = _start(client, widget, page="javascript:alert(1)//<script>alert('page')</script>")
    sent = _send(client, widget, token, "<img src=x onerror=alert(1)>.png", 10, "h1")
    assert sent.status_code == 200
    ticket_id = sent.json()["ticket"]
    sign_in(client, make_user("admin"))
    page = client.get(f"/agent/tickets/{ticket_id}").text
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert "<script>alert('page')</script>" not in page
    assert 'href="javascript:' not in page
