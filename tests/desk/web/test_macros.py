"""Macros: written on /agent/macros (personal, or shared by supervisors), refused with the
reason beside the field when a placeholder is unknown, and used from the reply box."""

from __future__ import annotations

from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.kb.articles import ArticleInput, create_article
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import ArticleStatus, Macro, Message, Ticket
from desk.queries.tickets.queue import ticket_history, ticket_tags
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _ticket(db: Database, settings: Settings, name: str = "Kim Lee", locale: str = "en",
            email: str = "kim@example.com") -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", email, name), "Printer offline", "It is off.",
            locale=locale))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _save(client: TestClient, path: str = "/agent/macros", **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_of(client, "/agent/macros/new"), "name": "Refund", "text_en": "",
            "text_zh": "", "scope": "personal", "team_id": "", "set_status": "", "add_tags": "",
            "assignee": "", **fields}
    return client.post(path, data=data, follow_redirects=False)


def _macro(db: Database, name: str) -> Macro:
    with db.session() as s:
        macro = s.exec(select(Macro).where(Macro.name == name)).one()
        return macro


def test_an_unknown_placeholder_is_refused_beside_its_field_with_the_input_kept(
        agent_client: TestClient, db: Database) -> None:
    text = "Hello {{customer.nmae}}, about #{{ticket.number}}"
    response = _save(agent_client, text_en=text, text_zh="您好 {{客户}}")
    assert response.status_code == 400
    assert 'id="text_en-error"' in response.text and "{{customer.nmae}}" in response.text
    assert 'id="text_zh-error"' in response.text and "{{客户}}" in response.text
    assert "Hello {{customer.nmae}}, about #{{ticket.number}}</textarea>" in response.text
    assert 'value="Refund"' in response.text
    with db.session() as s:
        assert s.exec(select(Macro)).all() == []


def test_a_link_to_an_article_that_does_not_exist_is_refused(agent_client: TestClient) -> None:
    response = _save(agent_client, text_en="See {{article:999}}")
    assert response.status_code == 400
    assert 'id="text_en-error"' in response.text and "999" in response.text


def test_personal_macros_are_their_owners_and_agents_cannot_share(
        client: TestClient, make_user, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = sign_in(client, make_user("agent", name="Ana"))
    assert _save(ana, text_en="Hi {{customer.name}}").status_code == 303
    refused = _save(ana, name="For all", text_en="Hi", scope="everyone")
    assert refused.status_code == 400 and 'id="scope-error"' in refused.text
    assert "Refund" in ana.get("/agent/macros").text
    macro = _macro(db, "Refund")
    client.cookies.clear()
    bo = sign_in(client, make_user("agent", name="Bo"))
    assert "Refund" not in bo.get("/agent/macros").text
    assert bo.get(f"/agent/macros/{macro.id}").status_code == 403


def test_a_supervisor_shares_a_macro_with_one_team(client: TestClient, make_user,  # type: ignore[no-untyped-def]
                                                   db: Database) -> None:
    member, outsider = make_user("agent", name="Member"), make_user("agent", name="Outsider")
    with db.session() as s:
        team = ensure_team(s, SYSTEM, "Billing")
        add_to_team(s, SYSTEM, member, team)
        commit(s)
    sup = sign_in(client, make_user("supervisor"))
    assert _save(sup, name="Billing answer", text_en="Paid.", scope="team",
                 team_id=str(team.id)).status_code == 303
    client.cookies.clear()
    assert "Billing answer" in sign_in(client, member).get("/agent/macros").text
    client.cookies.clear()
    assert "Billing answer" not in sign_in(client, outsider).get("/agent/macros").text


def test_using_a_macro_without_javascript_fills_the_reply_in_the_customers_language(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    agent = sign_in(client, make_user("agent", name="Ana Agent"))
    writer = make_user("supervisor", name="Writer")
    with db.session() as s:
        article = create_article(s, SYSTEM, writer, ArticleInput(
            "Reset the printer", "Hold the button.", status=ArticleStatus.published))
        commit(s)
    link = "{{article:" + str(article.id) + "}}"
    saved = _save(agent, name="Printer", text_en="Hi {{customer.name}}, see " + link,
                  text_zh="{{customer.name}}您好，工单 #{{ticket.number}} 由 {{agent.name}} 处理。",
                  set_status="pending", add_tags="printer", assignee="me")
    assert saved.status_code == 303, saved.text
    macro = _macro(db, "Printer")
    english = _ticket(db, settings)
    page = agent.get(f"/agent/tickets/{english}?macro={macro.id}")
    assert page.status_code == 200
    assert (f"Hi Kim Lee, see Reset the printer: http://testserver/help/articles/{article.id}-"
            in page.text)
    assert '<option value="pending" selected>' in page.text
    assert f'name="macro_id" value="{macro.id}"' in page.text
    chinese = _ticket(db, settings, name="王芳", locale="zh-CN", email="fang@example.cn")
    page = agent.get(f"/agent/tickets/{chinese}?macro={macro.id}")
    assert f"王芳您好，工单 #{chinese} 由 Ana Agent 处理。" in page.text


def test_sending_the_reply_applies_the_macros_actions_in_the_history(
        client: TestClient, make_user, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent", name="Ana Agent")
    agent = sign_in(client, user)
    _save(agent, name="Close", text_en="Done, {{customer.name}}.", set_status="solved",
          add_tags="done, billing", assignee="me")
    macro = _macro(db, "Close")
    number = _ticket(db, settings)
    filled = agent.get(f"/agent/tickets/{number}/macros/{macro.id}").json()
    assert filled == {"id": macro.id, "text": "Done, Kim Lee.", "status": "solved"}
    token = csrf_of(agent, f"/agent/tickets/{number}")
    response = agent.post(f"/agent/tickets/{number}/replies", data={
        "csrf_token": token, "kind": "reply", "text": filled["text"], "status": "solved",
        "macro_id": str(macro.id)}, follow_redirects=False)
    assert response.status_code == 303
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        assert ticket.status == "solved" and ticket.assignee_id == user.id
        assert ticket_tags(s, number) == ["billing", "done"]
        assert [m.text for m in s.exec(select(Message).where(Message.ticket_id == number))][-1] \
            == "Done, Kim Lee."
        changes = [e.changes for e in ticket_history(s, number) if e.action == "updated"]
        assert any("tags" in c and "assignee_id" in c for c in changes)


def test_a_macro_is_edited_and_deleted_by_its_owner(agent_client: TestClient, db: Database) -> None:
    _save(agent_client, text_en="Old")
    macro = _macro(db, "Refund")
    assert _save(agent_client, f"/agent/macros/{macro.id}", text_en="New").status_code == 303
    assert "New</textarea>" in agent_client.get(f"/agent/macros/{macro.id}").text
    token = csrf_of(agent_client, "/agent/macros")
    assert agent_client.post(f"/agent/macros/{macro.id}/delete", data={"csrf_token": token},
                             follow_redirects=False).status_code == 303
    assert "Refund" not in agent_client.get("/agent/macros").text
