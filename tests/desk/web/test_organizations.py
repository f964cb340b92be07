"""Organisation pages: list with counts and search, the page with members and tickets, and the
forms supervisors use."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.organizations import create_organization
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Organization, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _org(db: Database, name: str, domain: str, tier: str = "standard") -> int:
    with db.session() as s:
        org = create_organization(s, SYSTEM, {"name": name, "domain": domain, "tier": tier})
        commit(s)
        assert org.id is not None
        return org.id


def _ticket(db: Database, settings: Settings, email: str, name: str, subject: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "email", Identity("email", email, name), subject, "Hello."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_list_shows_member_and_open_ticket_counts_and_searches(
        client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    acme = _org(db, "Acme", "acme.example", "vip")
    globex = _org(db, "Globex", "globex.example")
    _ticket(db, settings, "ann@acme.example", "Ann", "One")
    _ticket(db, settings, "bob@acme.example", "Bob", "Two")
    sign_in(client, make_user("agent"))
    page = client.get("/agent/organizations").text
    row = page.split(f'data-organization="{acme}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="tier tier-vip"' in row and 'data-members="2"' in row and 'data-open="2"' in row
    assert f'data-organization="{globex}"' in page
    found = client.get("/agent/organizations?q=glob").text
    assert f'data-organization="{globex}"' in found and f'data-organization="{acme}"' not in found
    assert "/agent/organizations/new" not in page  # agents do not create organisations


def test_page_lists_members_and_their_tickets(client: TestClient, db: Database, settings: Settings,
                                              make_user: Callable[..., User]) -> None:
    acme = _org(db, "Acme", "acme.example")
    first = _ticket(db, settings, "ann@acme.example", "Ann", "Printer jammed")
    second = _ticket(db, settings, "bob@acme.example", "Bob", "VPN down")
    outsider = _ticket(db, settings, "eve@else.example", "Eve", "Not theirs")
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/organizations/{acme}").text
    assert page.count("data-member=") == 2 and ">Ann<" in page and ">Bob<" in page
    assert f'data-ticket="{first}"' in page and f'data-ticket="{second}"' in page
    assert f'data-ticket="{outsider}"' not in page


def test_supervisor_creates_and_renames_with_clear_errors(
        client: TestClient, db: Database, make_user: Callable[..., User]) -> None:
    _org(db, "Acme", "acme.example")
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/agent/organizations/new")
    form = {"csrf_token": token, "name": "acme", "domain": "initech.example", "tier": "vip",
            "auto_join": "on"}
    taken = client.post("/agent/organizations/new", data=form)
    assert taken.status_code == 400 and "There is already an organisation named acme." in taken.text
    bad = client.post("/agent/organizations/new", data={**form, "name": "Initech", "domain": "no way"})
    assert bad.status_code == 400 and "no way is not a domain name" in bad.text
    assert 'value="Initech"' in bad.text
    created = client.post("/agent/organizations/new", data={**form, "name": "Initech",
                                                             "domain": "Initech.Example"},
                          follow_redirects=False)
    assert created.status_code == 303
    location = created.headers["location"]
    saved = client.post(f"{location}/edit", follow_redirects=False,
                        data={"csrf_token": token, "name": "Initech Ltd", "domain": "initech.example",
                              "tier": "standard"})
    assert saved.status_code == 303
    with db.session() as s:
        org = s.get(Organization, int(location.rsplit("/", 1)[1]))
        assert org is not None and org.name == "Initech Ltd" and org.domain == "initech.example"
        assert org.tier == "standard" and org.auto_join is False  # the unticked box


def test_agents_may_not_create_or_edit_organisations(client: TestClient, db: Database,
                                                      make_user: Callable[..., User]) -> None:
    acme = _org(db, "Acme", "acme.example")
    sign_in(client, make_user("agent"))
    token = csrf_of(client, f"/agent/organizations/{acme}")
    assert client.get("/agent/organizations/new").status_code == 403
    refused = client.post(f"/agent/organizations/{acme}/edit",
                          data={"csrf_token": token, "name": "Hacked", "tier": "vip"})
    assert refused.status_code == 403
    with db.session() as s:
        org = s.get(Organization, acme)
        assert org is not None and org.name == "Acme"
