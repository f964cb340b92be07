"""The permission matrix: role × area × action, checked on the server.

Every staff page (each GET route under /agent, /admin and /reports without a parameter in
its path) is listed here with what a visitor who is not signed in, an agent, a supervisor
and an admin get; a page added without a line here fails the test, so each new page says
who may see it. Then writes by area (staff, rules, webhooks, SLA, customers, tickets of
another team) and the API (rules, audit, webhooks, tickets by token scope): a role that
may not is refused and nothing changes. Pages that name an object (a ticket of another
team, a customer, an organisation, a rule, a webhook, a staff member, report exports) have
their own matrix, and the API a grid of role × method over customers, the knowledge base,
reports, macros, webhooks, rules and the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.routing import Route
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, create_token, ensure_team, issue_token
from desk.db import Database, commit
from desk.models import Customer, Message, Rule, Ticket, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in

ROLES = ("visitor", "agent", "supervisor", "admin")
LOGIN, OK, NO = "login", 200, 403
ALL_STAFF = (LOGIN, OK, OK, OK)
SUPERVISORS = (LOGIN, NO, OK, OK)
ADMINS = (LOGIN, NO, NO, OK)
# What each role gets on each staff page (LOGIN: sent to the sign-in page).
PAGES: dict[str, tuple[object, ...]] = {
    "/agent/": ALL_STAFF, "/agent/account": ALL_STAFF, "/agent/account/two-factor": ALL_STAFF,
    "/agent/board": ALL_STAFF, "/agent/customers": ALL_STAFF,
    "/agent/customers/duplicates": ALL_STAFF, "/agent/customers/new": ALL_STAFF,
    "/agent/customers/review": ALL_STAFF, "/agent/follow-ups": ALL_STAFF,
    "/agent/kb/": ALL_STAFF, "/agent/kb/categories": ALL_STAFF, "/agent/macros": ALL_STAFF,
    "/agent/macros/new": ALL_STAFF, "/agent/notifications": ALL_STAFF,
    "/agent/organizations": ALL_STAFF, "/agent/sessions": ALL_STAFF,
    "/reports/": ALL_STAFF, "/reports/service": ALL_STAFF,  # agents: their own figures
    "/agent/customers/export.csv": SUPERVISORS, "/agent/customers/transfer": SUPERVISORS,
    "/agent/kb/new": SUPERVISORS, "/agent/kb/report": SUPERVISORS,
    "/agent/kb/synonyms": SUPERVISORS, "/agent/organizations/new": SUPERVISORS,
    "/admin/rules": SUPERVISORS, "/admin/rules/new": SUPERVISORS, "/admin/sla": SUPERVISORS,
    "/admin/": ADMINS, "/admin/audit": ADMINS, "/admin/audit.csv": ADMINS, "/admin/chat": ADMINS,
    "/admin/customer-fields": ADMINS, "/admin/ticket-fields": ADMINS, "/admin/customers/import": ADMINS,
    "/admin/form-requests": ADMINS,
    "/admin/mailboxes": ADMINS, "/admin/mailboxes/new": ADMINS, "/admin/quarantine": ADMINS,
    "/admin/retention": ADMINS, "/admin/review-policy": ADMINS, "/admin/security": ADMINS,
    "/admin/staff": ADMINS, "/admin/surveys": ADMINS, "/admin/teams": ADMINS,
    "/admin/webhooks": ADMINS, "/agent/kb/writers": ADMINS,
}
# Pages outside the matrix: the sign-in steps (anyone), the live stream (a stream).
NOT_PAGES = {"/agent/login", "/agent/forgot", "/agent/password-reset", "/agent/login/code",
             "/agent/login/enrol", "/agent/live", "/agent", "/admin", "/reports", "/agent/kb"}


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {role: make_user(role, email=f"{role}@desk.test", name=role.title())
            for role in ROLES[1:]}


@pytest.fixture
def as_role(app_factory, people: dict[str, User]):  # type: ignore[no-untyped-def]
    app = app_factory()
    made: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        made.append(client)
        return client if role == "visitor" else sign_in(client, people[role])
    yield make
    for client in made:
        client.close()


def test_every_staff_page_is_in_the_matrix(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    pages = {r.path for r in app.routes if isinstance(r, Route) and r.methods and "GET" in r.methods
             and "{" not in r.path and r.path.startswith(("/agent", "/admin", "/reports"))}
    assert sorted(pages - set(PAGES) - NOT_PAGES) == [], "say who may see these pages"
    assert sorted(set(PAGES) - pages) == [], "pages that are gone"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says_on_every_staff_page(
    as_role: Callable[[str], TestClient], role: str,
) -> None:
    client = as_role(role)
    column = ROLES.index(role)
    wrong = {}
    for path, expected in PAGES.items():
        answer = client.get(path, follow_redirects=False)
        got: object = answer.status_code
        if answer.status_code in (302, 303) and "/agent/login" in answer.headers.get("location", ""):
            got = LOGIN
        if got != expected[column]:
            wrong[path] = (got, expected[column])
    assert wrong == {}


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_writes_a_role_may_not_make_are_refused_and_change_nothing(
    as_role: Callable[[str], TestClient], db: Database, people: dict[str, User],
) -> None:
    for role in ("agent", "supervisor"):
        client = as_role(role)
        token = csrf_of(client)
        users = _count(db, User)
        made = client.post("/admin/staff", data={"csrf_token": token, "email": "new@desk.test",
                                                 "name": "New", "role": "admin", "password": ""})
        assert made.status_code == NO and _count(db, User) == users
        hooks = client.post("/admin/webhooks", data={"csrf_token": token, "url": "https://x.example/h",
                                                     "events": "ticket.created"})
        assert hooks.status_code == NO
        retention = client.post("/admin/retention", data={"csrf_token": token, "raw_mail_days": "1"})
        assert retention.status_code == NO
    agent = as_role("agent")
    token = csrf_of(agent)
    rules = _count(db, Rule)
    rule = agent.post("/admin/rules", data={"csrf_token": token, "name": "Mine", "action_0": "stop"})
    assert rule.status_code == NO and _count(db, Rule) == rules
    sla = agent.post("/admin/sla", data={"csrf_token": token, "name": "Fast"})
    assert sla.status_code == NO


def test_an_agent_may_not_touch_another_teams_ticket_nor_anonymise_a_customer(
    as_role: Callable[[str], TestClient], db: Database, settings: Settings, people: dict[str, User],
) -> None:
    with db.session() as s:
        mine, theirs = ensure_team(s, SYSTEM, "Mine"), ensure_team(s, SYSTEM, "Theirs")
        add_to_team(s, SYSTEM, people["agent"], mine)
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Their printer", "Off."))
        update_ticket(s, SYSTEM, ticket, {"team_id": theirs.id})
        commit(s)
        number, customer_id = ticket.id, ticket.customer_id
    agent = as_role("agent")
    token = csrf_of(agent)
    assert agent.get(f"/agent/tickets/{number}").status_code in (403, 404)
    changed = agent.post(f"/agent/tickets/{number}", data={"csrf_token": token, "priority": "urgent"})
    replied = agent.post(f"/agent/tickets/{number}/replies", data={"csrf_token": token,
                                                                   "text": "Hi", "kind": "reply"})
    assert changed.status_code in (403, 404) and replied.status_code in (403, 404)
    gone = agent.post(f"/agent/customers/{customer_id}/anonymise", data={"csrf_token": token,
                                                                          "confirm": "kim@example.com"})
    assert gone.status_code == NO
    with db.session() as s:
        after = s.get(Ticket, number)
        customer = s.get(Customer, customer_id)
        assert after is not None and after.priority != "urgent"
        assert customer is not None and customer.anonymised_at is None
    supervisor = as_role("supervisor")
    assert supervisor.get(f"/agent/tickets/{number}").status_code == OK


def test_the_api_checks_role_and_token_scope(
    client: TestClient, db: Database, people: dict[str, User],
) -> None:
    def bearer(role: str, scopes: list[str] | None = None) -> dict[str, str]:
        with db.session() as s:
            user = s.get(User, people[role].id)
            assert user is not None
            token = (create_token(s, SYSTEM, user, name="matrix") if scopes is None
                     else issue_token(s, SYSTEM, user, "matrix", " ".join(scopes))[1])
            commit(s)
        return {"Authorization": f"Bearer {token}"}

    agent, supervisor, admin = bearer("agent"), bearer("supervisor"), bearer("admin")
    assert client.get("/api/v1/tickets", headers=agent).status_code == OK
    assert client.get("/api/v1/rules", headers=agent).status_code == NO
    assert client.get("/api/v1/rules", headers=supervisor).status_code == OK
    for path in ("/api/v1/audit", "/api/v1/webhooks"):
        assert client.get(path, headers=supervisor).status_code == NO, path
        assert client.get(path, headers=admin).status_code == OK, path
    assert client.get("/api/v1/tickets").status_code == 401
    read_only = bearer("admin", ["tickets:read"])
    assert client.get("/api/v1/tickets", headers=read_only).status_code == OK
    wrote = client.post("/api/v1/tickets", headers=read_only, json={
        "subject": "Hi", "text": "Hello", "customer": {"email": "kim@example.com"}})
    assert wrote.status_code == NO and _count(db, Ticket) == 0
    assert client.get("/api/v1/audit", headers=read_only).status_code == NO


@pytest.fixture
def objects(db: Database, settings: Settings, people: dict[str, User]) -> dict[str, int]:
    """One of each object a page names by id: a ticket of a team the agent is not in (its
    mail has HTML), its customer, an organisation, a rule, a webhook, a staff member (the
    agent)."""
    from desk.actions.customers.organizations import create_organization
    from desk.actions.rules.manage import create_rule
    from desk.actions.webhooks.manage import WebhookForm, create_webhook

    with db.session() as s:
        mine, theirs = ensure_team(s, SYSTEM, "Mine"), ensure_team(s, SYSTEM, "Theirs")
        add_to_team(s, SYSTEM, people["agent"], mine)
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Their printer", "Off.",
            html="<p>Off.</p>"))
        update_ticket(s, SYSTEM, ticket, {"team_id": theirs.id})
        message = s.exec(select(Message).where(Message.ticket_id == ticket.id)).one()
        org = create_organization(s, SYSTEM, {"name": "Acme", "domain": "acme.example"})
        rule = create_rule(s, SYSTEM, {"name": "Tag it", "events": ["ticket_created"],
                                       "actions": [{"type": "add_tags", "value": ["x"]}]})
        made = create_webhook(s, SYSTEM, "test-secret", WebhookForm(
            url="https://93.184.216.34/hook", events=["ticket.created"]))
        assert made is not None
        commit(s)
        return {"ticket": ticket.id or 0, "customer": ticket.customer_id, "org": org.id or 0,
                "rule": rule.id or 0, "webhook": made[0].id or 0,
                "staff": people["agent"].id or 0, "message": message.id or 0}


# Pages that name an object, with what each role gets (the ticket is another team's).
ID_PAGES: dict[str, tuple[object, ...]] = {
    "/agent/tickets/{ticket}": (LOGIN, NO, OK, OK),
    # A mail as it was formatted: as if there were no such message for who may not see it.
    "/agent/messages/{message}/formatted": (LOGIN, 404, OK, OK),
    "/agent/customers/{customer}": ALL_STAFF, "/agent/customers/{customer}/edit": ALL_STAFF,
    "/agent/customers/{customer}/duplicates": ALL_STAFF,
    "/agent/customers/{customer}/privacy-export": SUPERVISORS,
    "/agent/customers/{customer}/anonymise": SUPERVISORS,
    "/agent/organizations/{org}": ALL_STAFF, "/agent/organizations/{org}/edit": SUPERVISORS,
    "/admin/rules/{rule}": SUPERVISORS, "/admin/webhooks/{webhook}": ADMINS,
    "/admin/staff/{staff}": ADMINS,
    # Report exports: agents get their own figures, so every staff member may download.
    "/reports/service/agents.csv": ALL_STAFF, "/reports/service/channels.csv": ALL_STAFF,
    "/reports/satisfaction/trend.csv": ALL_STAFF,
}


def _answer(client: TestClient, method: str, path: str, **kwargs: object) -> object:
    answer = client.request(method, path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
    if answer.status_code in (302, 303) and "/agent/login" in answer.headers.get("location", ""):
        return LOGIN
    return answer.status_code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says_on_pages_that_name_an_object(
    as_role: Callable[[str], TestClient], objects: dict[str, int], role: str,
) -> None:
    client = as_role(role)
    column = ROLES.index(role)
    wrong = {}
    for template, expected in ID_PAGES.items():
        got = _answer(client, "GET", template.format(**objects))
        if got != expected[column]:
            wrong[template] = (got, expected[column])
    assert wrong == {}
    if role == "agent":  # the customer's page lists no ticket the agent may not open
        assert "Their printer" not in client.get(f"/agent/customers/{objects['customer']}").text


def test_customer_edits_and_merges_need_a_signed_in_staff_member(
    as_role: Callable[[str], TestClient], db: Database, objects: dict[str, int],
) -> None:
    from desk.actions.customers.records import create_customer

    with db.session() as s:
        other = create_customer(s, SYSTEM, {"name": "Kim Two", "emails": ["kim2@example.com"]})
        commit(s)
        other_id = other.id
    customer = objects["customer"]
    form = {"name": "Renamed", "emails": "kim@example.com", "phones": "", "web_ids": "",
            "api_ids": "", "organization_id": "", "tier": "standard", "owner_id": "", "tags": "",
            "locale": "en"}
    visitor = as_role("visitor")
    assert _answer(visitor, "POST", f"/agent/customers/{customer}/edit", data=form) == LOGIN
    assert _answer(visitor, "POST", f"/agent/customers/{customer}/merge",
                   data={"other_id": str(other_id), "survivor": str(customer)}) == LOGIN
    agent = as_role("agent")
    token = csrf_of(agent)
    # Supervisor-only writes are refused to an agent, and change nothing.
    assert _answer(agent, "POST", "/agent/organizations/new", data={
        "csrf_token": token, "name": "Initech", "domain": "", "tier": "standard"}) == NO
    assert _answer(agent, "POST", f"/agent/organizations/{objects['org']}/edit", data={
        "csrf_token": token, "name": "Renamed Acme", "domain": "", "tier": "standard"}) == NO
    assert _answer(agent, "POST", "/agent/customers/transfer", data={
        "csrf_token": token, "from_id": "1", "to_id": "2"}) == NO
    with db.session() as s:
        from desk.models import Organization
        acme = s.get(Organization, objects["org"])
        assert acme is not None and acme.name == "Acme"
        kim = s.get(Customer, customer)
        assert kim is not None and kim.name == "Kim" and kim.merged_into_id is None
    # Every staff member edits and merges customers (README, Customer records).
    assert _answer(agent, "POST", f"/agent/customers/{customer}/edit",
                   data={**form, "csrf_token": token}) == 303
    merged = _answer(agent, "POST", f"/agent/customers/{customer}/merge",
                     data={"csrf_token": token, "other_id": str(other_id),
                           "survivor": str(customer)})
    assert merged == 303
    with db.session() as s:
        gone = s.get(Customer, other_id)
        assert gone is not None and gone.merged_into_id == customer


@pytest.mark.parametrize(("role", "allowed"), [("agent", False), ("supervisor", True),
                                               ("admin", True)])
def test_rules_are_edited_and_deleted_by_supervisors_and_admins_only(
    as_role: Callable[[str], TestClient], db: Database, objects: dict[str, int], role: str,
    allowed: bool,
) -> None:
    client = as_role(role)
    token = csrf_of(client)
    rule = objects["rule"]
    edited = _answer(client, "POST", f"/admin/rules/{rule}", data={
        "csrf_token": token, "name": "Renamed", "action_0": "stop"})
    switched = _answer(client, "POST", f"/admin/rules/{rule}/change",
                       data={"csrf_token": token, "do": "disable"})
    with db.session() as s:
        kept = s.get(Rule, rule)
        assert kept is not None
        assert (kept.enabled is False) == allowed and (switched == 303) == allowed
    assert (edited == NO) != allowed
    deleted = _answer(client, "POST", f"/admin/rules/{rule}/change",
                      data={"csrf_token": token, "do": "delete"})
    assert (deleted == 303) == allowed
    with db.session() as s:
        assert (s.get(Rule, rule) is None) == allowed


API_GRID: list[tuple[str, str, dict[str, object] | None, tuple[int, int, int]]] = [
    # (method, path, JSON body, what an agent, a supervisor and an admin get)
    ("GET", "/api/v1/customers", None, (200, 200, 200)),
    ("POST", "/api/v1/customers", {"name": "Zed", "emails": ["zed-{role}@example.com"]},
     (201, 201, 201)),
    ("PATCH", "/api/v1/customers/{customer}", {"tier": "vip"}, (200, 200, 200)),
    ("GET", "/api/v1/organizations", None, (200, 200, 200)),
    ("GET", "/api/v1/kb/articles", None, (200, 200, 200)),
    ("POST", "/api/v1/kb/articles", {"title": "How to {role}", "body_markdown": "Steps."},
     (403, 201, 201)),
    ("GET", "/api/v1/reports/service", None, (200, 200, 200)),
    ("GET", "/api/v1/reports/satisfaction", None, (200, 200, 200)),
    ("GET", "/api/v1/macros", None, (200, 200, 200)),
    ("POST", "/api/v1/macros", {"name": "Mine {role}", "text_en": "Hi", "scope": "personal"},
     (201, 201, 201)),
    ("POST", "/api/v1/macros", {"name": "All {role}", "text_en": "Hi", "scope": "everyone"},
     (422, 201, 201)),
    ("GET", "/api/v1/webhooks", None, (403, 403, 200)),
    ("POST", "/api/v1/webhooks", {"url": "https://93.184.216.34/{role}",
                                  "events": ["ticket.created"]}, (403, 403, 201)),
    ("GET", "/api/v1/webhooks/{webhook}", None, (403, 403, 200)),
    ("PATCH", "/api/v1/webhooks/{webhook}", {"active": False}, (403, 403, 200)),
    ("GET", "/api/v1/rules", None, (403, 200, 200)),
    ("GET", "/api/v1/audit", None, (403, 403, 200)),
]


def _filled(value: object, names: dict[str, object]) -> object:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_filled(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_the_api_grid_role_by_method_over_every_area(
    client: TestClient, db: Database, people: dict[str, User], objects: dict[str, int],
    role: str,
) -> None:
    with db.session() as s:
        user = s.get(User, people[role].id)
        assert user is not None
        headers = {"Authorization": f"Bearer {create_token(s, SYSTEM, user, name='grid')}"}
        commit(s)
    column = ("agent", "supervisor", "admin").index(role)
    names: dict[str, object] = {**objects, "role": role}
    wrong = {}
    for method, path, body, expected in API_GRID:
        answer = client.request(method, str(_filled(path, names)), headers=headers,
                                json=_filled(body, names) if body is not None else None)
        if answer.status_code != expected[column]:
            wrong[f"{method} {path} {body}"] = (answer.status_code, expected[column])
    assert wrong == {}
    assert client.delete(f"/api/v1/webhooks/{objects['webhook']}", headers=headers).status_code \
        == (204 if role == "admin" else 403)
