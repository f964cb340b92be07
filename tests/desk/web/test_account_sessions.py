"""My account lists one's signed-in browsers (device, address, signed in, last seen) and
signs out one of them, or all but this one; it lists one's API tokens, makes one (shown
once) and revokes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import ApiToken, User
from desk.models.base import now
from desk.web.devices import device_of
from tests.conftest import csrf_of, sign_in

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


def test_devices_are_told_briefly() -> None:
    assert device_of(FIREFOX) == "Firefox · Windows"
    assert device_of(IPHONE) == "Safari · iPhone"
    assert device_of("") == "?"


def test_my_account_lists_my_browsers_and_signs_one_out(
    app_factory: Callable[..., object], make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    laptop = sign_in(TestClient(app_factory(), headers={"User-Agent": FIREFOX}), user)  # type: ignore[arg-type]
    phone = sign_in(TestClient(app_factory(), headers={"User-Agent": IPHONE}), user)  # type: ignore[arg-type]
    page = laptop.get("/agent/account").text
    assert "Firefox · Windows" in page and "Safari · iPhone" in page and "This browser" in page
    other = re.search(r'action="/agent/sessions/(\d+)/end"', page)
    assert other is not None
    ended = laptop.post(f"/agent/sessions/{other.group(1)}/end",
                        data={"csrf_token": csrf_of(laptop, "/agent/account")}, follow_redirects=False)
    assert ended.status_code == 303
    assert phone.get("/agent/", follow_redirects=False).status_code == 303  # the phone is signed out
    assert laptop.get("/agent/", follow_redirects=False).status_code == 200
    assert "Safari · iPhone" not in laptop.get("/agent/account").text


def test_one_cannot_sign_out_someone_elses_browser(app_factory: Callable[..., object],
                                                   make_user: Callable[..., User]) -> None:
    victim = sign_in(TestClient(app_factory()), make_user("agent"))  # type: ignore[arg-type]
    mine = sign_in(TestClient(app_factory()), make_user("agent"))  # type: ignore[arg-type]
    token = csrf_of(mine, "/agent/account")
    for session_id in range(1, 4):
        mine.post(f"/agent/sessions/{session_id}/end", data={"csrf_token": token})
    assert victim.get("/agent/", follow_redirects=False).status_code == 200


def test_a_token_made_on_my_account_is_shown_once_listed_and_revoked(agent_client: TestClient) -> None:
    token = csrf_of(agent_client, "/agent/account")
    made = agent_client.post("/agent/account/tokens", data={
        "name": "Reporting", "scopes": ["tickets:read", "reports:read"], "expires": NEXT_YEAR,
        "csrf_token": token})
    assert made.status_code == 200
    secret = re.search(r'id="new-token">(desk_[^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {secret}"}
    assert agent_client.get("/api/v1/tickets", headers=headers).status_code == 200
    assert agent_client.get("/api/v1/customers", headers=headers).status_code == 403
    page = agent_client.get("/agent/account").text
    assert "Reporting" in page and "tickets:read, reports:read" in page and NEXT_YEAR in page
    assert secret not in page  # shown once only
    revoke = re.search(r'action="(/agent/account/tokens/\d+/revoke)"', page).group(1)  # type: ignore[union-attr]
    assert agent_client.post(revoke, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert agent_client.get("/api/v1/tickets", headers=headers).status_code == 401
    assert "Reporting" not in agent_client.get("/agent/account").text


def test_a_token_needs_a_scope_and_a_future_expiry(agent_client: TestClient) -> None:
    token = csrf_of(agent_client, "/agent/account")
    none = agent_client.post("/agent/account/tokens", data={"name": "x", "csrf_token": token})
    assert none.status_code == 400 and "Choose at least one scope" in none.text
    past = agent_client.post("/agent/account/tokens", data={
        "name": "x", "scopes": ["tickets:read"], "expires": "2001-01-01", "csrf_token": token})
    assert past.status_code == 400 and "Choose a date in the future" in past.text


def test_an_expired_token_is_marked_on_my_account(agent_client: TestClient, db: Database) -> None:
    token = csrf_of(agent_client, "/agent/account")
    agent_client.post("/agent/account/tokens", data={
        "name": "Old script", "scopes": ["tickets:read"], "expires": NEXT_YEAR, "csrf_token": token})
    assert "(expired)" not in agent_client.get("/agent/account").text
    with db.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.name == "Old script")).one()
        row.expires_at = now() - timedelta(minutes=1)
        s.add(row)
        s.commit()
    assert "(expired)" in agent_client.get("/agent/account").text
