"""The audit log page: newest first, filters, keyset paging, CSV export; admins only; no
route edits or deletes an entry; sign-ins and failed sign-ins are in it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, func, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor, record
from desk.db import Database, commit
from desk.models import AuditEntry, User
from tests.conftest import csrf_of, sign_in

MakeUser = Callable[..., User]


def _write(db: Database, *entries: tuple[Actor, str, int, str]) -> list[int]:
    with db.session() as s:
        for actor, entity, entity_id, action in entries:
            record(s, actor, entity, entity_id, action, {"status": ["new", "open"]})
        commit(s)
        top = s.exec(select(func.max(AuditEntry.id))).one() or 0
    return list(range(top - len(entries) + 1, top + 1))


def _ids(page: str) -> list[int]:
    return [int(part.split('"', 1)[0]) for part in page.split('data-entry="')[1:]]


def _count(db: Database) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def test_admin_sees_every_entry_newest_first_with_before_and_after(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin", name="Ada Admin")
    sign_in(client, admin)
    written = _write(db, (SYSTEM, "ticket", 7, "updated"), (Actor.of_user(admin), "ticket", 8,
                                                             "updated"))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    ids = _ids(page.text)
    assert ids == sorted(ids, reverse=True) and ids[:2] == written[::-1]
    assert "new → open" in page.text and 'href="/agent/tickets/8"' in page.text
    # Signing in is in the log too.
    assert "signed_in" in page.text


def test_filters_by_who_kind_id_action_and_dates(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    me = Actor.of_user(admin)
    mine_7, system_7, mine_9, _ = _write(db, (me, "ticket", 7, "updated"),
                                         (SYSTEM, "ticket", 7, "updated"),
                                         (me, "customer", 9, "merged"),
                                         (SYSTEM, "team", 3, "created"))
    with db.session() as s:  # one entry from last year
        s.execute(update(AuditEntry).where(col(AuditEntry.id) == mine_7).values(
            at=datetime(2025, 3, 31, 23, 59, tzinfo=UTC)))
        commit(s)

    def listed(**params: str) -> list[int]:
        answer = client.get("/admin/audit", params=params)
        assert answer.status_code == 200, answer.text
        return _ids(answer.text)

    assert listed(entity="ticket", entity_id="7") == [system_7, mine_7]
    assert listed(entity="ticket", staff_id=str(admin.id)) == [mine_7]
    # A customer with the same id as the admin is someone else.
    (customer_7,) = _write(db, (Actor("customer", admin.id, "Cleo"), "ticket", 7, "replied"))
    assert listed(staff_id=str(admin.id), entity="ticket") == [mine_7]
    assert listed(actor_id=str(admin.id), entity="ticket") == [customer_7, mine_7]
    assert listed(actor_type="system", entity="ticket") == [system_7]
    assert listed(action="merged") == [mine_9]
    assert listed(entity="ticket", since="2025-03-31", until="2025-03-31") == [mine_7]
    today = datetime.now(UTC).date().isoformat()
    assert listed(entity="ticket", since=today, until="", action="") == [customer_7, system_7]
    bad = client.get("/admin/audit", params={"since": "31/03/2025", "entity_id": "x"})
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in bad.text and "Enter a number" in bad.text
    assert 'value="31/03/2025"' in bad.text


def test_pages_by_keyset_and_the_older_link_keeps_the_filter(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    written = _write(db, *[(SYSTEM, "ticket", 5, "updated")] * 55)
    first = client.get("/admin/audit", params={"entity": "ticket"})
    assert _ids(first.text) == written[::-1][:50]
    older = first.text.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    older = older.replace("&amp;", "&")
    assert "entity=ticket" in older and f"cursor={written[5]}" in older
    # Entries written meanwhile do not shift the next page.
    _write(db, (SYSTEM, "ticket", 5, "updated"))
    rest = client.get(older)
    assert _ids(rest.text) == written[::-1][50:]
    assert 'rel="next"' not in rest.text


def test_the_csv_export_has_the_filtered_entries_and_is_itself_recorded(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    with db.session() as s:
        record(s, SYSTEM, "customer", 4, "updated", {"name": ["=cmd()", "Zoë 张"]})
        commit(s)
    answer = client.get("/admin/audit.csv", params={"entity": "customer", "entity_id": "4"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "at", "actor_type"] and len(rows) == 2
    assert rows[1][5:8] == ["customer", "4", "updated"] and "Zoë 张" in rows[1][8]
    with db.session() as s:
        export = s.exec(select(AuditEntry).where(AuditEntry.entity == "audit_log")).one()
    assert export.actor_id == admin.id and export.changes == {
        "filter": {"entity": "customer", "entity_id": "4"}}


def test_no_route_edits_or_deletes_an_entry(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    (entry,) = _write(db, (SYSTEM, "ticket", 1, "updated"))
    token = csrf_of(client, "/admin/audit")
    before = _count(db)
    for path in ("/admin/audit", f"/admin/audit/{entry}", f"/admin/audit/{entry}/delete",
                 "/admin/audit.csv"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            answer = client.request(method, path, data={"csrf_token": token})
            assert answer.status_code in (404, 405), (method, path)
    with db.session() as s:
        assert s.get(AuditEntry, entry) is not None
    assert _count(db) == before


def test_agents_and_supervisors_get_403(client: TestClient, make_user: MakeUser) -> None:
    for role in ("agent", "supervisor"):
        client.cookies.clear()
        sign_in(client, make_user(role))
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403


def test_sign_ins_and_failed_sign_ins_are_recorded(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    token = csrf_of(client, "/agent/login")
    client.post("/agent/login", data={"email": agent.email, "password": "wrong",
                                      "csrf_token": token})
    sign_in(client, agent)
    since = datetime.now(UTC) - timedelta(minutes=5)
    with db.session() as s:
        rows = s.exec(select(AuditEntry).where(col(AuditEntry.at) >= since,
                                               col(AuditEntry.action).in_(("failed", "signed_in")))
                      .order_by(col(AuditEntry.id))).all()
    assert [(r.entity, r.action) for r in rows] == [("sign_in", "failed"), ("user", "signed_in")]
    assert rows[0].changes["email"] == [None, agent.email] and rows[1].actor_id == agent.id


def test_a_change_made_in_the_pages_says_from_where_and_words_find_it(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin", name="Ada Admin")
    sign_in(client, admin)
    token = csrf_of(client, "/admin/teams")
    assert client.post("/admin/teams", data={"csrf_token": token, "name": "Billing 账单"},
                       follow_redirects=False).status_code == 303
    with db.session() as s:
        made = s.exec(select(AuditEntry).where(AuditEntry.entity == "team")).one()
    assert made.address == "testclient"  # the client of the request (TestClient's name)
    page = client.get("/admin/audit", params={"entity": "team"}).text
    assert 'class="address">testclient</td>' in page
    rows = list(csv.reader(io.StringIO(client.get(
        "/admin/audit.csv", params={"entity": "team"}).content.decode("utf-8-sig"))))
    assert rows[0][-1] == "address" and rows[1][-1] == "testclient"
    (system_id,) = _write(db, (SYSTEM, "ticket", 7, "updated"))
    for words in ("账单", "billing"):
        assert _ids(client.get("/admin/audit", params={"q": words}).text) == [made.id], words
    by_name = _ids(client.get("/admin/audit", params={"q": "ada adm"}).text)
    assert made.id in by_name and system_id not in by_name
    assert _ids(client.get("/admin/audit", params={"q": "100%_"}).text) == []
    with db.session() as s:  # the system and the `desk` command have no address
        system = s.exec(select(AuditEntry).where(AuditEntry.entity == "ticket")).one()
    assert system.address == ""
