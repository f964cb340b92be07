"""GET /api/v1/audit: the page's filters, a cursor, admins only, read-only, documented."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import func, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor, record
from desk.db import Database, commit
from desk.models import AuditEntry, User

from .schema_check import conforms

URL = "/api/v1/audit"
Auth = Callable[[User], dict[str, str]]


def _write(db: Database, actor: Actor, entity: str, entity_id: int, action: str,
           times: int = 1) -> list[int]:
    with db.session() as s:
        for _ in range(times):
            record(s, actor, entity, entity_id, action, {"priority": ["normal", "high"]})
        commit(s)
        top = s.exec(select(func.max(AuditEntry.id))).one() or 0
    return list(range(top - times + 1, top + 1))


def test_admin_pages_by_cursor_through_filtered_entries(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
) -> None:
    admin = make_user("admin", name="Ada Admin")
    headers = auth(admin)
    tickets = _write(db, SYSTEM, "ticket", 12, "updated", times=3)
    (mine,) = _write(db, Actor.of_user(admin, via_api=True), "customer", 4, "merged")
    everything = client.get(URL, headers=headers)
    body = conforms("/audit", "get", everything)
    # The newest entry is the token's first use (audited once an hour per token).
    used, *rest_of_log = body["items"]
    assert (used["entity"], used["action"], used["actor"]["id"]) == ("api_token", "used", admin.id)
    body["items"] = rest_of_log
    assert [i["id"] for i in body["items"]][:4] == [mine, *tickets[::-1]]
    assert body["items"][0] == {
        "id": mine, "at": body["items"][0]["at"],
        "actor": {"type": "api", "id": admin.id, "name": "Ada Admin"},
        "entity": "customer", "entity_id": 4, "action": "merged",
        "changes": {"priority": ["normal", "high"]}, "address": ""}
    page = conforms("/audit", "get", client.get(URL, params={
        "entity": "ticket", "entity_id": "12", "limit": "2"}, headers=headers))
    assert [i["id"] for i in page["items"]] == tickets[:0:-1]
    rest = conforms("/audit", "get", client.get(URL, params={
        "entity": "ticket", "entity_id": "12", "limit": "2", "cursor": page["next_cursor"]},
        headers=headers))
    assert ([i["id"] for i in rest["items"]], rest["next_cursor"]) == ([tickets[0]], None)
    mine_only = conforms("/audit", "get", client.get(URL, params={
        "actor_type": "api", "actor_id": str(admin.id), "action": "merged",
        "since": "2000-01-01", "until": "9999-12-31"}, headers=headers))
    assert [i["id"] for i in mine_only["items"]] == [mine]


def test_unusable_parameters_are_422_with_each_named(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
) -> None:
    bad = client.get(URL, params={"limit": "1000", "cursor": "x", "since": "2025-02-30",
                                  "entity": "Ticket;", "actor_type": "robot", "sort": "id"},
                     headers=auth(make_user("admin")))
    assert bad.status_code == 422
    assert bad.json()["fields"] == {
        "limit": "out_of_range", "cursor": "invalid_cursor", "since": "invalid_date",
        "entity": "invalid_characters", "actor_type": "invalid_choice",
        "sort": "unknown_parameter"}
    conforms("/audit", "get", bad)


def test_only_admins_read_it_and_nothing_writes_it(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
) -> None:
    for role in ("agent", "supervisor"):
        refused = client.get(URL, headers=auth(make_user(role)))
        assert refused.status_code == 403
        conforms("/audit", "get", refused)
    assert client.get(URL).status_code == 401
    headers = auth(make_user("admin"))
    (entry,) = _write(db, SYSTEM, "ticket", 1, "updated")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, URL, headers=headers, json={}).status_code == 405
        assert client.request(method, f"{URL}/{entry}", headers=headers).status_code in (404, 405)
    with db.session() as s:
        assert s.get(AuditEntry, entry) is not None


def test_entries_carry_the_address_and_words_filter_them(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
) -> None:
    admin = make_user("admin", name="Ada Admin")
    headers = auth(admin)
    assert client.post("/api/v1/customers", headers=headers, json={
        "name": "Zoë Quill", "emails": ["zoe@example.com"]}).status_code == 201
    _write(db, SYSTEM, "ticket", 3, "updated")
    answer = client.get(URL, headers=headers, params={"q": "zoë"})
    assert answer.status_code == 200 and conforms("/audit", "get", answer)
    items = answer.json()["items"]
    assert [(i["entity"], i["action"], i["address"]) for i in items] == [
        ("customer", "created", "testclient")]
    assert client.get(URL, headers=headers, params={"q": "x" * 201}).status_code == 422
