"""API tokens carry scopes and an expiry: a request outside the token's scopes is refused
with 403 and a JSON reason, an expired token with 401; every use is noted on the token and,
at most once an hour, in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.api_tokens import make_token, note_use
from desk.actions.audit import SYSTEM
from desk.db import Database
from desk.models import ApiToken, AuditEntry, User
from desk.models.base import now
from desk.models.users import SCOPES
from desk.web.api.tokens import needed_scope

Headers = dict[str, str]


def _token(db: Database, user: User, scopes: list[str], expires_in: timedelta | None = None) -> Headers:
    with db.session() as s:
        _row, token = make_token(s, SYSTEM, user, "test", scopes,
                                 now() + expires_in if expires_in else None)
    return {"Authorization": f"Bearer {token}"}


def test_a_read_only_token_reads_tickets_but_cannot_write_them(
    client: TestClient, db: Database, make_user: Callable[..., User],
    make_ticket: Callable[..., int],
) -> None:
    number = make_ticket()
    headers = _token(db, make_user("admin"), ["tickets:read"])
    assert client.get(f"/api/v1/tickets/{number}", headers=headers).status_code == 200
    refused = client.patch(f"/api/v1/tickets/{number}", json={"priority": "high"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "this token's scopes do not include tickets:write"}
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]


def test_a_token_for_tickets_cannot_read_customers_or_the_audit_log(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    headers = _token(db, make_user("admin"), ["tickets:read", "tickets:write"])
    customers = client.get("/api/v1/customers", headers=headers)
    assert customers.status_code == 403 and "customers:read" in customers.json()["error"]
    audit = client.get("/api/v1/audit", headers=headers)
    assert audit.status_code == 403 and "admin" in audit.json()["error"]


def test_the_admin_scope_opens_everything(client: TestClient, db: Database,
                                          make_user: Callable[..., User]) -> None:
    headers = _token(db, make_user("admin"), ["admin"])
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    assert client.get("/api/v1/audit", headers=headers).status_code == 200


def test_an_expired_token_is_refused_with_401(client: TestClient, db: Database,
                                              make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    headers = _token(db, user, list(SCOPES), expires_in=timedelta(days=1))
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    with db.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        row.expires_at = now() - timedelta(seconds=1)
        s.add(row)
        s.commit()
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "token expired"}


def test_tokens_made_without_scopes_keep_every_scope(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], Headers],
) -> None:
    headers = auth(make_user("admin"))  # desk.actions.users.create_token, as before scopes
    assert client.get("/api/v1/audit", headers=headers).status_code == 200
    assert client.get("/api/v1/customers", headers=headers).status_code == 200


def test_a_use_is_noted_and_audited_once_an_hour(client: TestClient, db: Database,
                                                 make_user: Callable[..., User]) -> None:
    user = make_user("agent")
    headers = _token(db, user, ["tickets:read"])
    for _ in range(3):
        assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    with db.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        assert row.last_used_at is not None
        uses = s.exec(select(AuditEntry).where(AuditEntry.entity == "api_token",
                                               AuditEntry.action == "used")).all()
        assert [(u.entity_id, u.actor_id) for u in uses] == [(row.id, user.id)]
        # An hour later the next use is audited again.
        row.use_recorded_at = now() - timedelta(hours=1, seconds=1)
        row.last_used_at = now() - timedelta(hours=1, seconds=1)
        s.add(row)
        s.commit()
        note_use(s, row, user, "203.0.113.9")
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "used")).all()) == 2


def test_each_area_of_the_api_needs_its_scope() -> None:
    assert needed_scope("GET", "/api/v1/tickets/5") == "tickets:read"
    assert needed_scope("POST", "/api/v1/tickets/5/replies") == "tickets:write"
    assert needed_scope("GET", "/api/v1/organizations") == "customers:read"
    assert needed_scope("PUT", "/api/v1/kb/articles/3") == "kb:write"
    assert needed_scope("GET", "/api/v1/reports/satisfaction") == "reports:read"
    assert needed_scope("GET", "/api/v1/rules") == "admin"
    assert needed_scope("POST", "/api/v1/quarantine/1/retry") == "admin"
