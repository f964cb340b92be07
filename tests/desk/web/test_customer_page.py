"""The customer page: identities, fields, notes and the timeline; editing and creating records;
the tier badge on the queue and the ticket page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.fields import add_field, update_field
from desk.actions.customers.records import create_customer, identities_of
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Customer, CustomerField, CustomerNote, FieldKind, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


@pytest.fixture
def agent(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("agent", name="Ana Agent"))


def _fields(db: Database) -> None:
    with db.session() as s:
        add_field(s, SYSTEM, "plan", "Plan", FieldKind.choice, ["Starter", "Enterprise"])
        add_field(s, SYSTEM, "seats", "Seats", FieldKind.number, [])
        add_field(s, SYSTEM, "renewal", "Renewal date", FieldKind.date, [])
        commit(s)


def _customer(db: Database, email: str = "ada@example.com", name: str = "Ada Lovelace",
              **values: object) -> int:
    with db.session() as s:
        customer = create_customer(s, SYSTEM, {"name": name, "emails": [email], **values})
        commit(s)
        assert customer.id is not None
        return customer.id


def _ticket(db: Database, settings: Settings, channel: str, email: str, subject: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            channel, Identity("email", email, "Ada"), subject, "Help."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _form(token: str, **kw: str) -> dict[str, str]:
    data = {"csrf_token": token, "name": "Ada Lovelace", "emails": "ada@example.com", "phones": "",
            "web_ids": "", "api_ids": "", "organization_id": "", "tier": "standard", "owner_id": "",
            "tags": "", "locale": "en"}
    data.update(kw)
    return data


def test_page_shows_identities_fields_notes_and_tickets_from_two_channels(
        agent: TestClient, db: Database, settings: Settings) -> None:
    _fields(db)
    customer_id = _customer(db, emails=["ada@example.com", "ada@work.example"],
                            phones=["+44 20 7946 0958"], web_ids=["u-42"], api_ids=["crm-7"],
                            tier="vip", tags=["beta"],
                            fields={"plan": "Enterprise", "seats": "12", "renewal": "2026-03-31"})
    by_mail = _ticket(db, settings, "email", "ada@work.example", "Invoice missing")
    by_form = _ticket(db, settings, "web", "ada@example.com", "Cannot log in")
    token = csrf_of(agent, f"/agent/customers/{customer_id}")
    added = agent.post(f"/agent/customers/{customer_id}/notes",
                       data={"csrf_token": token, "body": "Prefers phone calls."}, follow_redirects=False)
    assert added.status_code == 303

    page = agent.get(f"/agent/customers/{customer_id}")
    assert page.status_code == 200
    text = page.text
    assert 'class="tier tier-vip"' in text
    assert 'data-identity="email">ada@example.com <span class="badge">primary' in text
    assert 'data-identity="email">ada@work.example<' in text
    assert 'data-identity="phone">+442079460958<' in text
    assert 'data-identity="web">u-42<' in text and 'data-identity="api">crm-7<' in text
    assert 'data-tag="beta"' in text
    assert 'data-field="plan">Enterprise<' in text and 'data-field="seats">12<' in text
    assert '<time datetime="2026-03-31">2026-03-31</time>' in text
    assert "Prefers phone calls." in text and "Ana Agent" in text
    assert f'href="/agent/tickets/{by_mail}"' in text and f'href="/agent/tickets/{by_form}"' in text
    assert text.count('data-timeline="ticket"') == 2
    assert 'data-timeline="note"' in text and 'data-timeline="change"' in text
    # Newest first: the second ticket comes before the first.
    assert text.index(f'data-ticket="{by_form}"') < text.index(f'data-ticket="{by_mail}"')


def test_empty_note_is_refused_and_nothing_added(agent: TestClient, db: Database) -> None:
    customer_id = _customer(db)
    token = csrf_of(agent, f"/agent/customers/{customer_id}")
    refused = agent.post(f"/agent/customers/{customer_id}/notes", data={"csrf_token": token, "body": "  "})
    assert refused.status_code == 400
    assert "Write the note first." in refused.text
    with db.session() as s:
        assert s.exec(select(CustomerNote)).all() == []


def test_edit_with_an_email_of_another_customer_is_refused_naming_them_and_changes_nothing(
        agent: TestClient, db: Database) -> None:
    _customer(db, "grace@example.com", "Grace Hopper")
    customer_id = _customer(db)
    token = csrf_of(agent, f"/agent/customers/{customer_id}/edit")
    response = agent.post(f"/agent/customers/{customer_id}/edit", data=_form(
        token, name="Ada King", emails="ada@example.com\nGrace@example.com", tier="vip"))
    assert response.status_code == 400
    assert "grace@example.com already belongs to Grace Hopper" in response.text
    assert 'value="Ada King"' in response.text  # the input is kept
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None and customer.name == "Ada Lovelace" and customer.tier == "standard"
        assert identities_of(s, customer_id)["emails"] == ["ada@example.com"]


def test_field_value_of_the_wrong_type_is_refused_with_the_input_kept(agent: TestClient,
                                                                       db: Database) -> None:
    _fields(db)
    customer_id = _customer(db)
    token = csrf_of(agent, f"/agent/customers/{customer_id}/edit")
    response = agent.post(f"/agent/customers/{customer_id}/edit",
                          data=_form(token, **{"fields.seats": "twelve", "phones": "+1 555 0100"}))
    assert response.status_code == 400
    assert "Seats must be a number." in response.text
    assert 'value="twelve"' in response.text and "+1 555 0100" in response.text
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None and customer.fields == {}


def test_edit_saves_identities_tier_owner_tags_and_fields(agent: TestClient, db: Database,
                                                          make_user: Callable[..., User]) -> None:
    _fields(db)
    owner = make_user("agent", name="Olga Owner")
    customer_id = _customer(db)
    form = agent.get(f"/agent/customers/{customer_id}/edit")
    assert 'type="date"' in form.text and 'type="number"' in form.text and ">Enterprise</option>" in form.text
    token = csrf_of(agent, f"/agent/customers/{customer_id}/edit")
    saved = agent.post(f"/agent/customers/{customer_id}/edit", follow_redirects=False, data=_form(
        token, emails="ada@work.example\nada@example.com", phones="+44 20 7946 0958", tier="vip",
        owner_id=str(owner.id), tags="beta, Reseller",
        **{"fields.plan": "Enterprise", "fields.renewal": "2026-03-31", "fields.seats": "12"}))
    assert saved.status_code == 303
    page = agent.get(f"/agent/customers/{customer_id}").text
    assert 'data-identity="email">ada@work.example <span class="badge">primary' in page
    assert "Olga Owner" in page and 'data-tag="reseller"' in page
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None and customer.tier == "vip"
        assert customer.fields == {"plan": "Enterprise", "renewal": "2026-03-31", "seats": 12}


def test_agent_creates_a_customer_and_a_taken_address_is_refused(agent: TestClient, db: Database) -> None:
    _customer(db, "grace@example.com", "Grace Hopper")
    assert agent.get("/agent/customers/new").status_code == 200
    token = csrf_of(agent, "/agent/customers/new")
    taken = agent.post("/agent/customers/new", data=_form(token, name="Grace H",
                                                          emails="grace@example.com"))
    assert taken.status_code == 400 and "already belongs to Grace Hopper" in taken.text
    created = agent.post("/agent/customers/new", follow_redirects=False,
                         data=_form(token, name="Alan Turing", emails="alan@example.com",
                                    tier="prospect"))
    assert created.status_code == 303
    page = agent.get(created.headers["location"])
    assert "Alan Turing" in page.text and 'class="tier tier-prospect"' in page.text


def test_merged_away_record_redirects_to_the_survivor(agent: TestClient, db: Database) -> None:
    survivor = _customer(db, "grace@example.com", "Grace Hopper")
    merged = _customer(db)
    with db.session() as s:
        # What a merge leaves behind (the merge itself is another page's action).
        customer = s.get(Customer, merged)
        assert customer is not None
        customer.merged_into_id = survivor
        s.add(customer)
        commit(s)
    response = agent.get(f"/agent/customers/{merged}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"/agent/customers/{survivor}"


def test_manager_links_show_only_to_supervisors(client: TestClient, db: Database,
                                                make_user: Callable[..., User]) -> None:
    customer_id = _customer(db)
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/customers/{customer_id}").text
    assert f"/agent/customers/{customer_id}/duplicates" in page
    assert f'action="/agent/customers/{customer_id}/reviewed"' in page
    assert "privacy-export" not in page and "/anonymise" not in page
    sign_in(client, make_user("supervisor"))
    page = client.get(f"/agent/customers/{customer_id}").text
    assert f"/agent/customers/{customer_id}/privacy-export" in page
    assert f"/agent/customers/{customer_id}/anonymise" in page


def test_queue_and_ticket_page_show_the_tier_and_link_the_customer(
        agent: TestClient, db: Database, settings: Settings) -> None:
    vip = _customer(db, "boss@example.com", "Big Boss", tier="vip")
    _customer(db, "kim@example.com", "Kim", tier="prospect")
    vip_ticket = _ticket(db, settings, "email", "boss@example.com", "Urgent: outage")
    other = _ticket(db, settings, "web", "kim@example.com", "Question")
    queue = agent.get("/agent/?view=all_open").text
    assert f'<a href="/agent/customers/{vip}">Big Boss</a> <span class="tier tier-vip">VIP</span>' in queue
    assert 'class="tier tier-prospect"' in queue
    only_vip = agent.get("/agent/?tier=vip").text
    assert f'data-ticket="{vip_ticket}"' in only_vip and f'data-ticket="{other}"' not in only_vip
    ticket = agent.get(f"/agent/tickets/{vip_ticket}").text
    assert f'<a href="/agent/customers/{vip}">Big Boss</a> <span class="tier tier-vip">' in ticket



def test_a_value_no_longer_among_the_choices_does_not_block_saving_the_rest(
        agent: TestClient, db: Database) -> None:
    _fields(db)
    customer_id = _customer(db, fields={"plan": "Starter"})
    with db.session() as s:
        plan = s.exec(select(CustomerField).where(CustomerField.key == "plan")).one()
        update_field(s, SYSTEM, plan, "Plan", ["Enterprise"], 0)
        commit(s)
    token = csrf_of(agent, f"/agent/customers/{customer_id}/edit")
    saved = agent.post(f"/agent/customers/{customer_id}/edit", follow_redirects=False,
                       data=_form(token, name="Ada King", **{"fields.plan": "Starter"}))
    assert saved.status_code == 303
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None and customer.name == "Ada King"
        assert customer.fields == {"plan": "Starter"}
