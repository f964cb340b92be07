"""Staff sessions live on the server: signing out ends a session for good (a stolen copy of
the cookie too), one can sign out everywhere else, and deactivating an account, changing its
password or revoking a token takes effect at once."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import create_token
from desk.cli.main import main
from desk.db import Database, commit
from desk.models import ApiToken, StaffSession, User
from tests.conftest import PASSWORD, csrf_of, sign_in


def _thief(app_factory, victim: TestClient) -> TestClient:  # type: ignore[no-untyped-def]
    """A second browser holding a copy of the victim's session cookie."""
    thief = TestClient(app_factory())
    thief.cookies.update(dict(victim.cookies))
    return thief


def _signed_in(client: TestClient) -> bool:
    return client.get("/agent/", follow_redirects=False).status_code == 200


def test_signing_out_ends_the_session_even_for_a_stolen_cookie(
    client: TestClient, app_factory, make_user,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(client, make_user("agent"))
    with _thief(app_factory, client) as thief:
        assert _signed_in(thief)
        client.post("/agent/logout", data={"csrf_token": csrf_of(client)})
        assert not _signed_in(thief) and not _signed_in(client)


def test_sign_out_everywhere_else_keeps_only_this_browser(
    client: TestClient, app_factory, make_user, db: Database,  # type: ignore[no-untyped-def]
) -> None:
    user = make_user("agent")
    with TestClient(app_factory()) as laptop:
        sign_in(laptop, user)
        sign_in(client, user)
        page = client.get("/agent/sessions")
        assert page.text.count("<tr><td>") == 2 and "This browser" in page.text
        ended = client.post("/agent/sessions/end-others", data={"csrf_token": csrf_of(client)})
        assert "Signed out of 1 other browsers." in ended.text
        assert _signed_in(client) and not _signed_in(laptop)
    with db.session() as s:
        live = s.exec(select(StaffSession).where(StaffSession.ended_at == None)).all()  # noqa: E711
        assert len(live) == 1


def test_deactivating_an_account_ends_its_sessions_and_tokens_at_once(
    client: TestClient, db: Database, make_user, cli_env: None,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user("agent")
    sign_in(client, user)
    with db.session() as s:
        token = create_token(s, SYSTEM, s.get(User, user.id), name="script")  # type: ignore[arg-type]
        commit(s)
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=api).status_code == 200
    assert main(["user", "deactivate", user.email]) == 0
    assert not _signed_in(client)
    assert client.get("/api/v1/tickets", headers=api).status_code == 401
    token_page = csrf_of(client, "/agent/login")
    again = client.post("/agent/login", data={"email": user.email, "password": PASSWORD,
                                              "csrf_token": token_page})
    assert again.status_code == 400  # a deactivated account cannot sign in
    assert main(["user", "activate", user.email]) == 0
    assert sign_in(client, user) and _signed_in(client)
    assert "deactivated" in capsys.readouterr().out


def test_a_new_password_ends_every_session_and_a_revoked_token_stops_at_once(
    client: TestClient, db: Database, make_user, cli_env: None,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user("agent")
    sign_in(client, user)
    assert main(["user", "password", user.email, "--password", "a-much-longer-secret"]) == 0
    assert not _signed_in(client)
    assert main(["user", "password", user.email, "--password", "short"]) == 1
    with db.session() as s:
        token = create_token(s, SYSTEM, s.get(User, user.id), name="script")  # type: ignore[arg-type]
        commit(s)
        token_id = s.exec(select(ApiToken.id)).one()
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=api).status_code == 200
    assert main(["token", "list"]) == 0 and f"{token_id}\t{user.email}\tscript" in capsys.readouterr().out
    assert main(["token", "revoke", str(token_id)]) == 0
    assert client.get("/api/v1/tickets", headers=api).status_code == 401


def test_an_idle_session_ends_on_the_server(app_factory, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(session_max_age=3600)) as browser:
        sign_in(browser, make_user("agent"))
        with db.session() as s:
            for row in s.exec(select(StaffSession)):
                row.last_seen_at = row.last_seen_at.replace(year=row.last_seen_at.year - 1)
                s.add(row)
            s.commit()
        assert not _signed_in(browser)
