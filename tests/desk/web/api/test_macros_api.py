"""`/api/v1/macros` (issue 16): macros written, listed, changed and deleted over the API
with the page's checks, and one applied to a ticket: the customer's language, the
placeholders filled, its status and tags set, the reply on its way."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.models import Customer, Message, Ticket, User

from .schema_check import conforms

URL = "/api/v1/macros"


def test_an_agent_writes_a_macro_and_applies_it_to_a_ticket_in_the_customers_language(
    client: TestClient, session: Session, make_user: Callable[..., User],
    auth: Callable[[User], dict[str, str]], make_ticket: Callable[..., int],
) -> None:
    ana = make_user("agent", name="Ana")
    headers = auth(ana)
    created = client.post(URL, json={
        "name": "Shipped", "text_en": "Hello {{customer.name}}, ticket #{{ticket.number}} has shipped.",
        "text_zh": "{{customer.name}}，您好：工单 #{{ticket.number}} 已发货。",
        "set_status": "pending", "add_tags": "shipping"}, headers=headers)
    assert created.status_code == 201, created.text
    macro = conforms("/macros", "post", created)
    assert macro["scope"] == "personal" and macro["editable"] is True
    assert [m["name"] for m in conforms("/macros", "get", client.get(URL, headers=headers))["macros"]] \
        == ["Shipped"]

    number = make_ticket(subject="我的订单", email="wang@example.cn")
    ticket = session.get(Ticket, number)
    assert ticket is not None
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    customer.locale = "zh_CN"
    session.add(customer)
    session.commit()
    preview = client.get(f"/api/v1/tickets/{number}/macros/{macro['id']}", headers=headers)
    body = conforms("/tickets/{number}/macros/{macro_id}", "get", preview)
    assert body["text"].endswith(f"工单 #{number} 已发货。")
    assert body["changes"] == {"status": "pending"} and body["add_tags"] == ["shipping"]

    applied = client.post(f"/api/v1/tickets/{number}/macros/{macro['id']}", headers=headers)
    assert applied.status_code == 201, applied.text
    reply = conforms("/tickets/{number}/macros/{macro_id}", "post", applied)
    assert f"工单 #{number} 已发货" in reply["text"] and reply["direction"] == "outbound"
    detail = client.get(f"/api/v1/tickets/{number}", headers=headers).json()
    assert detail["status"] == "pending" and "shipping" in detail["tags"]
    session.expire_all()
    texts = [m.text for m in session.exec(select(Message).where(Message.ticket_id == number))]
    assert any("已发货" in t for t in texts)


def test_a_macro_that_could_not_be_filled_is_refused_with_the_reason_per_field(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
) -> None:
    headers = auth(make_user("agent"))
    bad = client.post(URL, json={"name": "", "text_en": "Hi {{customer.shoe_size}}",
                                 "text_zh": "见 {{article:999999}}"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"name", "text_en", "text_zh"}
    assert "customer.shoe_size" in bad.json()["fields"]["text_en"]
    assert client.post(URL, json={"name": "X", "text_en": "Hi", "colour": "red"},
                       headers=headers).status_code == 422
    assert client.post(URL, json={"name": "X", "text_en": 5}, headers=headers).status_code == 422
    assert client.get(URL, headers=headers).json()["macros"] == []


def test_an_agent_may_not_share_nor_change_anothers_macro(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
    make_ticket: Callable[..., int],
) -> None:
    ana, bo = auth(make_user("agent", name="Ana")), auth(make_user("agent", name="Bo"))
    shared = client.post(URL, json={"name": "All", "text_en": "Hi", "scope": "everyone"}, headers=ana)
    assert shared.status_code == 422 and "scope" in shared.json()["fields"]
    mine = client.post(URL, json={"name": "Mine", "text_en": "Hi"}, headers=ana).json()
    assert client.get(f"{URL}/{mine['id']}", headers=bo).status_code == 403
    assert client.patch(f"{URL}/{mine['id']}", json={"name": "Bo's"}, headers=bo).status_code == 403
    assert client.delete(f"{URL}/{mine['id']}", headers=bo).status_code == 403
    number = make_ticket()
    assert client.post(f"/api/v1/tickets/{number}/macros/{mine['id']}", headers=bo).status_code == 403
    renamed = client.patch(f"{URL}/{mine['id']}", json={"name": "Mine, renamed"}, headers=ana)
    assert conforms("/macros/{macro_id}", "patch", renamed)["name"] == "Mine, renamed"
    assert renamed.json()["text_en"] == "Hi"  # what the body left out stays
    assert client.delete(f"{URL}/{mine['id']}", headers=ana).status_code == 204
    assert client.get(f"{URL}/{mine['id']}", headers=ana).status_code == 404
