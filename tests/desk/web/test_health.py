"""GET /healthz tells a load balancer whether the database and jobs work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from desk.actions import users
from desk.models import User
from tests.conftest import PASSWORD, csrf_of, sign_in


def test_healthz_reports_database_and_job_runner(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    from desk.jobs.inprocess import InProcessRunner

    with TestClient(app) as client:
        stopped = client.get("/healthz")
        assert stopped.status_code == 503
        assert stopped.json()["database"]["ok"] is True
        assert stopped.json()["jobs"]["ok"] is False
        runner = InProcessRunner(app.state.db)
        client.portal.call(runner.start)  # type: ignore[union-attr]
        app.state.jobs = runner
        ok = client.get("/healthz")
        assert ok.status_code == 200
        assert ok.json()["jobs"]["runner"] == "in-process"
        assert ok.headers["x-request-id"]
        client.portal.call(runner.stop)  # type: ignore[union-attr]


def test_healthz_fails_when_the_database_is_gone(app_factory, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from desk.db import Database

    broken = Database(db.settings, engine=create_engine("sqlite:////nonexistent/dir/x.db"))
    app = app_factory()
    app.state.db = broken
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


class _SlowHasher:
    """argon2 as a slow machine runs it: each hash or check waits until the test lets it go
    (at most 5 s), and says whether it was still running when /healthz answered."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()

    def _slow(self, work: Callable[[], Any]) -> Any:
        self.started.set()
        self.release.wait(5)
        try:
            return work()
        finally:
            self.finished.set()

    def hash(self, password: str) -> str:
        return str(self._slow(lambda: self.real.hash(password)))

    def verify(self, hashed: str, password: str) -> bool:
        return bool(self._slow(lambda: self.real.verify(hashed, password)))

    def check_needs_rehash(self, hashed: str) -> bool:
        return bool(self.real.check_needs_rehash(hashed))


@pytest.mark.parametrize("form", ["sign_in", "add_staff", "reset_password", "own_password"])
def test_healthz_answers_while_a_password_is_hashed(
    client: TestClient, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    admin = make_user("admin")
    member = make_user("agent")
    if form != "sign_in":
        sign_in(client, member if form == "own_password" else admin)
    token = csrf_of(client, "/agent/login" if form == "sign_in" else "/agent/account")
    path, data = {
        "sign_in": ("/agent/login", {"email": admin.email, "password": "wrong"}),
        "add_staff": ("/admin/staff", {"email": "nia@desk.test", "name": "Nia", "role": "agent",
                                       "locale": "en", "password": "a long new password"}),
        "reset_password": (f"/admin/staff/{member.id}/password",
                           {"password": "a long new password"}),
        "own_password": ("/agent/account/password", {
            "old_password": PASSWORD, "new_password": "my new password",
            "repeat_password": "my new password"}),
    }[form]
    slow = _SlowHasher(users._hasher)
    monkeypatch.setattr(users, "_hasher", slow)
    posting = threading.Thread(target=lambda: client.post(path, data={"csrf_token": token, **data}))
    posting.start()
    try:
        assert slow.started.wait(5), "the form hashes or checks a password"
        health = client.get("/healthz")
        answered_while_hashing = not slow.finished.is_set()
    finally:
        slow.release.set()
        posting.join(10)
    assert health.status_code in (200, 503) and answered_while_hashing
