"""The writers' pages: list and filters, the editor with preview and errors kept, revisions
with authors, categories, the synonym list and the kb_writer right."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Article, ArticleRevision, AuditEntry, KbSynonyms, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.web.kb_data import write_article

FORM = {"title": "Resetting a password", "body_markdown": "Open **Settings**.\n\n- one\n- two",
        "locale": "en", "category_id": "", "tags": "password, reset", "status": "draft",
        "visibility": "public", "translation_of": ""}


def test_a_supervisor_writes_previews_and_edits_an_article_with_revisions(
    client: TestClient, db: Database, make_user: Callable[..., User]
) -> None:
    writer = make_user("supervisor", name="Sue Writer")
    sign_in(client, writer)
    token = csrf_of(client, "/agent/kb/new")
    preview = client.post("/agent/kb/new", data={**FORM, "csrf_token": token, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>Settings</strong>" in preview.text and 'value="Resetting a password"' in preview.text
    with db.session() as s:
        assert s.exec(select(Article)).first() is None  # a preview saves nothing
    saved = client.post("/agent/kb/new", data={**FORM, "csrf_token": token, "action": "save"},
                        follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "The article was saved." in page.text and "<li>one</li>" in page.text
    with db.session() as s:
        article = s.exec(select(Article)).one()
        assert article.tags == ["password", "reset"] and article.status == "draft"
    edited = client.post(f"/agent/kb/{article.id}/edit",
                         data={**FORM, "title": "Resetting your password", "status": "published",
                               "csrf_token": token, "action": "save"}, follow_redirects=False)
    assert edited.status_code == 303
    history = client.get(f"/agent/kb/{article.id}/revisions")
    assert history.text.count("data-revision=") == 2
    assert "Sue Writer" in history.text and "Resetting your password" in history.text
    with db.session() as s:
        assert len(s.exec(select(ArticleRevision)).all()) == 2
        assert s.exec(select(AuditEntry).where(AuditEntry.entity == "kb_article")).first() is not None


def test_errors_show_beside_the_field_with_the_input_kept(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/agent/kb/new")
    page = client.post("/agent/kb/new", data={**FORM, "title": "  ", "body_markdown": "Kept text",
                                              "csrf_token": token})
    assert page.status_code == 400
    assert 'id="title-error"' in page.text and "Kept text" in page.text
    bad = client.post("/agent/kb/new", data={**FORM, "locale": "fr", "csrf_token": token})
    assert bad.status_code == 400 and 'id="locale-error"' in bad.text


def test_an_agent_without_the_right_reads_but_may_not_write(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User]
) -> None:
    article = write_article(db, settings, make_user("supervisor"), "Internal rules",
                            visibility="internal", status="draft")
    agent = make_user("agent")
    sign_in(client, agent)
    assert client.get("/agent/kb/").status_code == 200
    shown = client.get(f"/agent/kb/{article.id}")
    assert shown.status_code == 200 and "Internal rules" in shown.text
    assert f"/agent/kb/{article.id}/edit" not in shown.text
    assert client.get(f"/agent/kb/{article.id}/edit").status_code == 403
    token = csrf_of(client, "/agent/kb/")
    refused = client.post(f"/agent/kb/{article.id}/edit",
                          data={**FORM, "csrf_token": token, "action": "save"})
    assert refused.status_code == 403
    assert client.post("/agent/kb/new", data={**FORM, "csrf_token": token}).status_code == 403
    assert client.get("/agent/kb/synonyms").status_code == 403
    assert client.get("/agent/kb/writers").status_code == 403


def test_an_admin_grants_the_right_and_the_agent_can_write(
    client: TestClient, app_factory, db: Database, make_user: Callable[..., User]  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("agent", name="Wanda Writer")
    sign_in(client, make_user("admin"))
    assert 'href="/agent/kb/writers"' in client.get("/admin/").text
    assert 'href="/agent/kb/"' in client.get("/agent/").text  # the staff nav
    token = csrf_of(client, "/agent/kb/writers")
    granted = client.post(f"/agent/kb/writers/{agent.id}", data={"csrf_token": token,
                                                               "kb_writer": "on"})
    assert granted.status_code == 200
    with db.session() as s:
        fresh = s.get(User, agent.id)
        assert fresh is not None and fresh.kb_writer
    with TestClient(app_factory()) as other:
        sign_in(other, agent)
        assert other.get("/agent/kb/new").status_code == 200


def test_list_filters_by_status_locale_and_text(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User]
) -> None:
    writer = make_user("supervisor")
    write_article(db, settings, writer, "Shipping times", status="draft")
    write_article(db, settings, writer, "发货时间", locale="zh-CN")
    sign_in(client, writer)
    drafts = client.get("/agent/kb/", params={"status": "draft"}).text
    assert "Shipping times" in drafts and "发货时间" not in drafts
    chinese = client.get("/agent/kb/", params={"locale": "zh-CN"}).text
    assert "发货时间" in chinese and "Shipping times" not in chinese
    found = client.get("/agent/kb/", params={"q": "shipping"}).text
    assert "Shipping times" in found and "发货时间" not in found


def test_categories_nest_one_level(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/agent/kb/categories")
    client.post("/agent/kb/categories", data={"name": "Billing", "name_zh": "账单",
                                              "csrf_token": token})
    page = client.get("/agent/kb/categories")
    assert "Billing" in page.text and "账单" in page.text
    parent_id = page.text.split('<option value="', 2)[1].split('"', 1)[0]
    client.post("/agent/kb/categories", data={"name": "Refunds", "parent_id": parent_id,
                                              "csrf_token": token})
    assert "Refunds" in client.get("/agent/kb/categories").text
    again = client.post("/agent/kb/categories", data={"name": "Billing", "csrf_token": token})
    assert again.status_code == 400 and 'id="name-error"' in again.text


def test_supervisors_edit_the_synonym_list_which_is_validated(
    client: TestClient, db: Database, make_user: Callable[..., User]
) -> None:
    sign_in(client, make_user("supervisor"))
    page = client.get("/agent/kb/synonyms")
    assert page.status_code == 200 and "refund" in page.text  # the shipped list
    token = csrf_of(client, "/agent/kb/synonyms")
    bad = client.post("/agent/kb/synonyms", data={"text": "parcel, package\nlonely",
                                                  "csrf_token": token})
    assert bad.status_code == 400 and 'id="text-error"' in bad.text and "lonely" in bad.text
    good = client.post("/agent/kb/synonyms", data={"text": "parcel, package\n退款, 退钱",
                                                   "csrf_token": token})
    assert good.status_code == 200 and "The synonym list was saved." in good.text
    with db.session() as s:
        row = s.exec(select(KbSynonyms)).one()
        assert row.text == "parcel, package\n退款, 退钱"


def test_forms_need_the_csrf_token(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("admin"))
    assert client.post("/agent/kb/new", data=FORM).status_code == 403
