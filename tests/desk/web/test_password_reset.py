"""Forgot your password: the same answer for every address, a link mailed to a real
account that works once for 30 minutes and dies with a new password; the new password ends
every session and is audited; asking is throttled."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions import password_resets as resets
from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox
from desk.actions.two_factor import begin_enrolment, confirm_enrolment
from desk.actions.users import set_active, set_password
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.models import AuditEntry, PasswordReset, User
from desk.models.base import aware, now
from desk.settings import Settings
from desk.totp import code_at, step_at
from tests.conftest import csrf_of, sign_in
from tests.smtp_server import SmtpServer

NEW = "a much longer new password"


def _ask(client: TestClient, email: str) -> tuple[int, str]:
    token = csrf_of(client, "/agent/forgot")
    answer = client.post("/agent/forgot", data={"email": email, "csrf_token": token})
    return answer.status_code, answer.text.replace(email, "EMAIL")


def _mailed_link(db: Database, settings: Settings, smtp_server: SmtpServer) -> str:
    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "help@desk.test", None, smtp_server.url)
        commit(s)
    _run_jobs(db)
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return re.search(r"http://testserver(/agent/password-reset\?token=\S+)", text).group(1)  # type: ignore[union-attr]


def _run_jobs(db: Database) -> None:
    """The reset's jobs: prepare (the link of a known address), then send."""
    while jobs := due_jobs(db):
        for job_id in jobs:
            execute_job(db, job_id)


def _set(client: TestClient, link: str, password: str = NEW) -> int:
    page = client.get(link)
    token = link.split("token=", 1)[1]
    return client.post("/agent/password-reset", data={
        "token": token, "new_password": password, "repeat_password": password,
        "csrf_token": csrf_of(client, link) if page.status_code == 200 else csrf_of(client, "/agent/forgot")},
        follow_redirects=False).status_code


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    client: TestClient, make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    known = _ask(client, user.email)
    unknown = _ask(client, "nobody@desk.test")
    assert known == unknown
    assert known[0] == 200 and "If EMAIL belongs to a Desk account" in known[1]


def test_a_mailed_link_sets_a_new_password_once_and_ends_every_session(
    client: TestClient, app_factory: Callable[..., object], db: Database, settings: Settings,
    smtp_server: SmtpServer, make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    signed_in = sign_in(TestClient(app_factory()), user)  # type: ignore[arg-type]
    assert _ask(client, user.email)[0] == 200
    link = _mailed_link(db, settings, smtp_server)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == [user.email]
    assert "Forgot your password?" in client.get("/agent/login").text
    assert _set(client, link) == 303
    assert signed_in.get("/agent/", follow_redirects=False).status_code == 303  # signed out
    # The new password opens the account, the old one no longer does.
    token = csrf_of(client, "/agent/login")
    assert client.post("/agent/login", data={"email": user.email, "password": NEW, "csrf_token": token},
                       follow_redirects=False).status_code == 303
    # The same link again: refused.
    assert client.get(link).status_code == 410
    assert _set(client, link, "yet another new password") == 410
    with db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity_id == user.id,
                                                                     AuditEntry.entity == "user"))]
        reset = s.exec(select(PasswordReset)).one()
    assert "password_reset_by_mail" in actions and "sessions_ended" in actions
    assert link.split("token=")[1] not in reset.token_hash  # only its hash is kept


def test_a_link_expires_after_30_minutes(client: TestClient, db: Database, settings: Settings,
                                         smtp_server: SmtpServer, make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    _ask(client, user.email)
    link = _mailed_link(db, settings, smtp_server)
    with db.session() as s:
        reset = s.exec(select(PasswordReset)).one()
        lifetime = aware(reset.expires_at) - now()
        assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30)
        reset.expires_at = now() - timedelta(seconds=1)
        s.add(reset)
        s.commit()
    assert client.get(link).status_code == 410
    assert _set(client, link) == 410


def test_a_link_dies_when_the_password_changes_another_way(
    client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
    make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    _ask(client, user.email)
    link = _mailed_link(db, settings, smtp_server)
    with db.session() as s:
        fresh = s.get(User, user.id)
        assert fresh is not None
        set_password(s, SYSTEM, fresh, "changed by the admin meanwhile")
    assert client.get(link).status_code == 410


def test_the_new_password_follows_the_same_rules(
    client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
    make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    _ask(client, user.email)
    link = _mailed_link(db, settings, smtp_server)
    assert _set(client, link, "short") == 400
    assert _set(client, link) == 303  # the link still works after a refused password


def test_asking_is_throttled_per_address_typed(client: TestClient, db: Database,
                                               make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    for _ in range(resets.EMAIL_REQUESTS):
        assert _ask(client, user.email)[0] == 200
    assert _ask(client, user.email)[0] == 429
    assert _ask(client, "nobody@desk.test")[0] == 200  # another address is not held up
    _run_jobs(db)
    with db.session() as s:
        assert len(s.exec(select(PasswordReset)).all()) == resets.EMAIL_REQUESTS


def test_no_mail_for_an_unknown_or_deactivated_address(client: TestClient, db: Database,
                                                       make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    with db.session() as s:
        fresh = s.get(User, user.id)
        assert fresh is not None
        set_active(s, SYSTEM, fresh, False)
    assert _ask(client, user.email)[0] == 200
    assert _ask(client, "nobody@desk.test")[0] == 200
    _run_jobs(db)
    with db.session() as s:
        assert s.exec(select(PasswordReset)).all() == []


def test_a_reset_password_still_asks_for_the_second_factor(
    client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
    make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    with db.session() as s:
        fresh = s.get(User, user.id)
        assert fresh is not None
        secret = begin_enrolment(s, "test-secret", fresh)
        confirm_enrolment(s, "test-secret", fresh, code_at(secret, step_at(time.time())))
    _ask(client, user.email)
    assert _set(client, _mailed_link(db, settings, smtp_server)) == 303
    token = csrf_of(client, "/agent/login")
    answer = client.post("/agent/login", data={"email": user.email, "password": NEW, "csrf_token": token},
                         follow_redirects=False)
    assert answer.headers["location"] == "/agent/login/code"


def test_without_a_mailbox_the_mail_job_fails_where_admins_see_it(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    user = make_user("agent")
    _ask(client, user.email)
    ended = []
    while jobs := [j for j in due_jobs(db) if j not in ended]:
        for job_id in jobs:
            ended.append(job_id)
            job = execute_job(db, job_id)
            assert job is not None
            if job.name == "send_password_reset":
                assert "no mailbox to send from" in job.last_error
                return
    raise AssertionError("no send_password_reset job ran")
