"""Two-step sign-in: set up on My account (the key as text and as an otpauth:// address,
confirmed with a code, ten recovery codes shown once), asked for after the password, each
code and recovery code taken once; admins require it per role and reset it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions import sign_in as throttle
from desk.db import Database
from desk.models import AuditEntry, User
from desk.totp import code_at, step_at
from tests.conftest import PASSWORD, csrf_of, sign_in


def _enrol(client: TestClient) -> tuple[str, list[str]]:
    """Set up two-step sign-in from My account; the secret and the recovery codes."""
    page = client.get("/agent/account/two-factor")
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert "otpauth://totp/Desk:" in page.text and f"secret={secret}" in page.text
    done = client.post("/agent/account/two-factor", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": csrf_of(client, "/agent/account")})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    return secret, codes


def _password(client: TestClient, user: User, password: str = PASSWORD) -> int:
    token = csrf_of(client, "/agent/login")
    return client.post("/agent/login", data={"email": user.email, "password": password,
                                              "csrf_token": token, "next": "/agent/"},
                       follow_redirects=False).status_code


def _code(client: TestClient, code: str) -> int:
    token = csrf_of(client, "/agent/login/code")
    return client.post("/agent/login/code", data={"code": code, "csrf_token": token},
                       follow_redirects=False).status_code


def _fresh(app_factory: Callable[..., object]) -> TestClient:
    return TestClient(app_factory())  # type: ignore[arg-type]


def test_with_two_step_sign_in_the_password_alone_does_not_sign_in(
    client: TestClient, app_factory: Callable[..., object], make_user: Callable[..., User],
    db: Database,
) -> None:
    user = make_user("agent")
    secret, _codes = _enrol(sign_in(client, user))
    other = _fresh(app_factory)
    assert _password(other, user) == 303
    assert other.get("/agent/", follow_redirects=False).status_code == 303  # still signed out
    assert "authenticator app" in other.get("/agent/login/code").text
    assert _code(other, "000000" if code_at(secret, step_at(time.time())) != "000000" else "111111") == 400
    # The newest code from the app: signed in.
    future = code_at(secret, step_at(time.time()) + 1)
    assert _code(other, future) == 303
    assert other.get("/agent/", follow_redirects=False).status_code == 200
    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(
            AuditEntry.entity == "user", AuditEntry.entity_id == user.id))]
    assert "two_factor_enabled" in actions and "password_accepted" in actions


def test_a_code_cannot_be_used_twice(client: TestClient, app_factory: Callable[..., object],
                                     make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    secret, _codes = _enrol(sign_in(client, user))
    code = code_at(secret, step_at(time.time()) + 1)
    first = _fresh(app_factory)
    assert _password(first, user) == 303 and _code(first, code) == 303
    thief = _fresh(app_factory)
    assert _password(thief, user) == 303
    assert _code(thief, code) == 400  # replayed within its window


def test_a_recovery_code_works_once(client: TestClient, app_factory: Callable[..., object],
                                    make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    _secret, codes = _enrol(sign_in(client, user))
    first = _fresh(app_factory)
    assert _password(first, user) == 303 and _code(first, codes[0].upper()) == 303
    again = _fresh(app_factory)
    assert _password(again, user) == 303
    assert _code(again, codes[0]) == 400
    assert _code(again, codes[1]) == 303
    assert "Recovery codes left: 8." in again.get("/agent/account").text


def test_wrong_codes_are_throttled_like_passwords(client: TestClient, app_factory: Callable[..., object],
                                                  make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    secret, _codes = _enrol(sign_in(client, user))
    guesser = _fresh(app_factory)
    assert _password(guesser, user) == 303
    wrong = [f"{n:06d}" for n in range(100) if all(
        f"{n:06d}" != code_at(secret, step_at(time.time()) + d) for d in (-1, 0, 1))]
    answers = [_code(guesser, wrong[i]) for i in range(throttle.ACCOUNT_FREE_TRIES)]
    assert answers == [400] * throttle.ACCOUNT_FREE_TRIES
    # Even the right code now waits; the password again does not reset the count.
    assert _code(guesser, code_at(secret, step_at(time.time()) + 1)) == 429
    assert _password(guesser, user) == 429


def test_a_role_that_requires_it_is_sent_to_set_it_up_after_the_password(
    client: TestClient, app_factory: Callable[..., object], make_user: Callable[..., User],
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    saved = client.post("/admin/security", data={"required": ["agent"],
                                                  "csrf_token": csrf_of(client, "/admin/security")},
                        follow_redirects=False)
    assert saved.status_code == 303
    agent = make_user("agent")
    browser = _fresh(app_factory)
    token = csrf_of(browser, "/agent/login")
    answer = browser.post("/agent/login", data={"email": agent.email, "password": PASSWORD,
                                                 "csrf_token": token, "next": "/agent/"},
                          follow_redirects=False)
    assert answer.headers["location"] == "/agent/login/enrol"
    assert browser.get("/agent/", follow_redirects=False).status_code == 303
    page = browser.get("/agent/login/enrol")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    done = browser.post("/agent/login/enrol", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": csrf_of(browser, "/agent/login/enrol")})
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.text)) == 10
    assert browser.get("/agent/", follow_redirects=False).status_code == 200
    # Admins are not required: their password still signs them in.
    assert _password(_fresh(app_factory), admin) == 303
    # Agents cannot turn it off while their role requires it.
    refused = browser.post("/agent/account/two-factor/off", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": csrf_of(browser, "/agent/account")})
    assert refused.status_code == 400 and "requires two-step sign-in" in refused.text


def test_an_admin_resets_a_lost_second_factor(client: TestClient, app_factory: Callable[..., object],
                                              make_user: Callable[..., User], db: Database) -> None:
    agent = make_user("agent")
    _enrol(sign_in(client, agent))
    admin_browser = sign_in(_fresh(app_factory), make_user("admin"))
    listed = admin_browser.get("/admin/staff").text
    row = next(r for r in listed.split("<tr") if f'data-user="{agent.id}"' in r)
    assert "<td>On</td>" in row
    reset = admin_browser.post(f"/admin/staff/{agent.id}/two-factor/reset",
                               data={"csrf_token": csrf_of(admin_browser, f"/admin/staff/{agent.id}")},
                               follow_redirects=False)
    assert reset.status_code == 303
    assert "was reset" in admin_browser.get(reset.headers["location"]).text
    browser = _fresh(app_factory)
    assert _password(browser, agent) == 303
    assert browser.get("/agent/", follow_redirects=False).status_code == 200
    with db.session() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "two_factor_reset",
                                               AuditEntry.entity_id == agent.id)).first() is not None


def test_agents_cannot_reset_or_require_two_step_sign_in(agent_client: TestClient,
                                                         make_user: Callable[..., User]) -> None:
    other = make_user("agent")
    token = csrf_of(agent_client, "/agent/account")
    assert agent_client.post(f"/admin/staff/{other.id}/two-factor/reset",
                             data={"csrf_token": token}).status_code == 403
    assert agent_client.post("/admin/security", data={"required": ["admin"],
                                                      "csrf_token": token}).status_code == 403


def test_requiring_it_signs_out_members_who_have_not_set_it_up(
    client: TestClient, app_factory: Callable[..., object], make_user: Callable[..., User],
) -> None:
    without = sign_in(_fresh(app_factory), make_user("supervisor"))
    with_it = make_user("supervisor")
    with_browser = sign_in(_fresh(app_factory), with_it)
    _enrol(with_browser)
    agent = sign_in(_fresh(app_factory), make_user("agent"))
    admin = sign_in(client, make_user("admin"))
    admin.post("/admin/security", data={"required": ["supervisor", "admin"],
                                        "csrf_token": csrf_of(admin, "/admin/security")})
    assert without.get("/agent/", follow_redirects=False).status_code == 303  # signed out
    assert with_browser.get("/agent/", follow_redirects=False).status_code == 200
    assert agent.get("/agent/", follow_redirects=False).status_code == 200  # role not required
    assert admin.get("/admin/security", follow_redirects=False).status_code == 200  # kept


def test_changing_the_second_factor_needs_a_current_code_and_guessing_it_is_throttled(
    client: TestClient, make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    browser = sign_in(client, user)
    secret, old_codes = _enrol(browser)
    token = csrf_of(browser, "/agent/account")
    renewed = browser.post("/agent/account/two-factor/recovery-codes", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": token})
    new_codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", renewed.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    wrong = [f"{n:06d}" for n in range(100) if all(
        f"{n:06d}" != code_at(secret, step_at(time.time()) + d) for d in (-1, 0, 1))]
    for guess in wrong[:throttle.ACCOUNT_FREE_TRIES]:
        answer = browser.post("/agent/account/two-factor/off", data={"code": guess, "csrf_token": token})
        assert answer.status_code == 400
    # The throttle now holds even the right code; two-step sign-in stays on.
    held = browser.post("/agent/account/two-factor/off", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": token})
    assert held.status_code == 400
    assert "Recovery codes left: 10." in browser.get("/agent/account").text


def test_turning_it_off_with_a_current_code(client: TestClient, app_factory: Callable[..., object],
                                            make_user: Callable[..., User], db: Database) -> None:
    user = make_user("agent")
    browser = sign_in(client, user)
    secret, _codes = _enrol(browser)
    off = browser.post("/agent/account/two-factor/off", data={
        "code": code_at(secret, step_at(time.time())), "csrf_token": csrf_of(browser, "/agent/account")},
        follow_redirects=False)
    assert off.status_code == 303
    assert "Two-step sign-in is off." in browser.get(off.headers["location"]).text
    other = _fresh(app_factory)
    assert _password(other, user) == 303
    assert other.get("/agent/", follow_redirects=False).status_code == 200  # the password alone
    with db.session() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "two_factor_disabled")).first()
