"""The admin's custom fields: add, relabel, delete (values kept, no longer shown), admins only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.customers.records import create_customer
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, CustomerField, User
from tests.conftest import csrf_of, sign_in


@pytest.fixture
def admin(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("admin"))


def _add(client: TestClient, **kw: str) -> object:
    token = csrf_of(client, "/admin/customer-fields")
    data = {"csrf_token": token, "key": "plan", "label": "Plan", "kind": "choice",
            "choices": "Starter\nEnterprise", "position": "1", **kw}
    return client.post("/admin/customer-fields", data=data, follow_redirects=False)


def _field(db: Database, key: str) -> CustomerField | None:
    with db.session() as s:
        return s.exec(select(CustomerField).where(CustomerField.key == key)).first()


def test_admin_adds_a_field_and_agents_fill_it_in(admin: TestClient, db: Database) -> None:
    assert 'href="/admin/customer-fields"' in admin.get("/admin/").text
    added = _add(admin)
    assert added.status_code == 303  # type: ignore[attr-defined]
    field = _field(db, "plan")
    assert field is not None and field.choices == ["Starter", "Enterprise"]
    with db.session() as s:
        customer = create_customer(s, SYSTEM, {"name": "Ada", "emails": ["ada@example.com"]})
        commit(s)
    form = admin.get(f"/agent/customers/{customer.id}/edit").text
    assert 'name="fields.plan"' in form and '<option value="Enterprise" >Enterprise</option>' in form


@pytest.mark.parametrize(("changes", "message"), [
    ({"key": "Plan"}, "The key is a lower-case letter"),
    ({"key": "1plan"}, "The key is a lower-case letter"),
    ({"choices": ""}, "A choice field needs at least one choice"),
    ({"label": ""}, "A label is required."),
    ({"kind": "colour"}, "Choose text, number, date or choice."),
])
def test_bad_definitions_are_refused_with_the_input_kept(admin: TestClient, db: Database,
                                                         changes: dict[str, str], message: str) -> None:
    response = _add(admin, **changes)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]
    assert _field(db, changes.get("key", "plan")) is None


def test_key_taken_is_refused(admin: TestClient) -> None:
    _add(admin)
    again = _add(admin, label="Other")
    assert again.status_code == 400 and "already a field with the key plan" in again.text  # type: ignore[attr-defined]


def test_relabel_and_delete_keep_the_values_but_hide_them(admin: TestClient, db: Database) -> None:
    _add(admin)
    field = _field(db, "plan")
    assert field is not None
    with db.session() as s:
        customer = create_customer(s, SYSTEM, {"name": "Ada", "emails": ["ada@example.com"],
                                               "fields": {"plan": "Starter"}})
        commit(s)
    token = csrf_of(admin, "/admin/customer-fields")
    saved = admin.post(f"/admin/customer-fields/{field.id}", follow_redirects=False, data={
        "csrf_token": token, "label": "Subscription", "choices": "Starter\nBusiness", "position": "2"})
    assert saved.status_code == 303
    page = admin.get(f"/agent/customers/{customer.id}").text
    assert "Subscription" in page and 'data-field="plan">Starter<' in page

    deleted = admin.post(f"/admin/customer-fields/{field.id}/delete", data={"csrf_token": token},
                         follow_redirects=False)
    assert deleted.status_code == 303
    assert 'data-field="plan"' not in admin.get(f"/agent/customers/{customer.id}").text
    with db.session() as s:
        stored = s.get(Customer, customer.id)
        assert stored is not None and stored.fields == {"plan": "Starter"}
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.entity == "customer_field")).all()
        assert actions == ["created", "updated", "deleted"]


def test_only_admins_manage_fields(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("supervisor"))
    assert client.get("/admin/customer-fields").status_code == 403
    token = csrf_of(client, "/agent/")
    refused = client.post("/admin/customer-fields", data={"csrf_token": token, "key": "plan",
                                                          "label": "Plan", "kind": "text"})
    assert refused.status_code == 403
