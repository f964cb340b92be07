"""The agent's ticket page says whether a chat's visitor is who they say: an identity the
site signed with the widget's secret, or an address anyone could have typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from channels.chat import identity_signature
from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, identity_secret, save_widget
from desk.db import Database
from desk.models import ChatWidget, User
from desk.settings import Settings
from tests.conftest import sign_in

SITE = "https://shop.example.com"


def _chat(client: TestClient, widget: ChatWidget, body: dict[str, Any], text: str) -> int:
    def post(path: str, data: dict[str, Any]) -> Any:
        response = client.post(f"/chat/w/{widget.key}/{path}", content=json.dumps(data),
                               headers={"Content-Type": "text/plain", "Origin": SITE})
        assert response.status_code == 200, response.text
        return response.json()

    token = post("start", body)["token"]
    ticket: int = post("messages", {"token": token, "text": text, "id": "i1"})["ticket"]
    return ticket


def test_the_ticket_page_tells_a_signed_identity_from_a_typed_email(
        client: TestClient, db: Database, settings: Settings,
        make_user: Callable[..., User]) -> None:
    with db.session() as s:
        widget = save_widget(s, SYSTEM, str(settings.secret_key), None,
                             WidgetForm(name="Shop", origins=SITE))
        assert widget is not None
    secret = identity_secret(str(settings.secret_key), widget)
    signed = _chat(client, widget, {"identity": {
        "email": "sarah@acme.example", "name": "Sarah",
        "signature": identity_signature(secret, "sarah@acme.example")},
        "page": "https://shop.example.com/orders/7"}, "Where is order 7?")
    typed = _chat(client, widget, {"name": "Sarah?", "email": "sarah@acme.example"},
                  "Refund order 7 to my new card")
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/tickets/{signed}").text
    assert 'data-chat-verified="yes"' in page and "Verified by the site" in page
    assert "https://shop.example.com/orders/7" in page
    page = client.get(f"/agent/tickets/{typed}").text
    assert 'data-chat-verified="no"' in page and "Email not verified" in page
    assert "Verified by the site" not in page
