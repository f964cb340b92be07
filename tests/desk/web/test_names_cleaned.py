"""Names and file names typed by staff or imported are cleaned as the intake cleans mail: a
CR/LF would forge a header of the mail the name goes out in, a NUL breaks storage and
sending, a direction override disguises `invoice\u202efdp.exe` as `invoiceexe.pdf`."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Attachment, Customer, Organization, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _names(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(c.name for c in s.exec(select(Customer)))


def test_a_customer_typed_on_the_customer_page_keeps_no_line_break(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("agent"))
    token = csrf_of(client, "/agent/customers/new")
    created = client.post("/agent/customers/new", follow_redirects=False, data={
        "csrf_token": token, "name": "Ada\r\nBcc: x@evil.example", "emails": "ada@example.com",
        "phones": "", "web_ids": "", "api_ids": "", "organization_id": "", "tier": "standard",
        "owner_id": "", "tags": "", "locale": "en"})
    assert created.status_code == 303
    assert _names(db) == ["Ada Bcc: x@evil.example"]


def test_an_organisation_named_on_its_form_keeps_no_line_break(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/agent/organizations/new")
    created = client.post("/agent/organizations/new", follow_redirects=False, data={
        "csrf_token": token, "name": "Acme\nX-Injected: 1", "domain": "", "tier": "standard"})
    assert created.status_code == 303
    with db.session() as s:
        assert [o.name for o in s.exec(select(Organization))] == ["Acme X-Injected: 1"]


def test_an_imported_customer_keeps_no_control_character(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("admin"))
    page = "/admin/customers/import"
    data = b'name,email\r\n"Grace\rHopper\x07",grace@example.com\r\n'
    uploaded = client.post(page, data={"csrf_token": csrf_of(client, page)},
                           files={"file": ("c.csv", data, "text/csv")}, follow_redirects=False)
    assert uploaded.status_code == 303
    done = client.post(uploaded.headers["location"], data={
        "csrf_token": csrf_of(client, page), "step": "import", "map-0": "name", "map-1": "email"})
    assert done.status_code == 200
    assert _names(db) == ["Grace Hopper"]


def test_a_staff_name_typed_by_an_admin_keeps_no_control_character(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/admin/staff")
    client.post("/admin/staff", data={"csrf_token": token, "email": "nia@desk.test",
                                      "name": "Nia\x00\x1b[31m New", "role": "agent",
                                      "locale": "en", "password": ""})
    with db.session() as s:
        nia = s.exec(select(User).where(User.email == "nia@desk.test")).one()
    assert nia.name == "Nia [31m New"


def test_a_file_an_agent_attaches_loses_direction_overrides_and_control_characters(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
) -> None:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "Help."))
        commit(s)
    sign_in(client, make_user("agent"))
    page = f"/agent/tickets/{ticket.id}"
    sent = client.post(f"{page}/replies", follow_redirects=False, data={
        "csrf_token": csrf_of(client, page), "text": "See the file.", "kind": "note"},
        files={"attachments": ("invoice\u202efdp.exe", b"MZ", "application/octet-stream")})
    assert sent.status_code == 303
    with db.session() as s:
        names = [a.filename for a in s.exec(select(Attachment))]
    assert names == ["invoicefdp.exe"]


def test_a_staff_member_made_from_the_command_line_keeps_no_line_break(db: Database) -> None:
    from desk.actions.audit import SYSTEM
    from desk.actions.users import create_user

    with db.session() as s:
        made = create_user(s, SYSTEM, "cli@desk.test", "Cli\r\nUser", "agent", None)
        commit(s)
        assert made.name == "Cli User"
