"""The knowledge base over the API: search (public unless asked), the article list with a
cursor, one article, writing with 403/422, hostile queries; answers match openapi.json."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Article, User
from desk.settings import Settings
from tests.desk.web.kb_data import import_demo, write_article

from .schema_check import conforms

Headers = dict[str, str]
SEARCH = "/api/v1/kb/search"
ARTICLES = "/api/v1/kb/articles"


@pytest.fixture
def demo(db: Database, settings: Settings) -> dict[str, Article]:
    return import_demo(db, settings)


@pytest.fixture
def writer(make_user: Callable[..., User], auth: Callable[[User], Headers]) -> Headers:
    return auth(make_user("supervisor"))


def test_search_finds_english_and_chinese_and_hides_internal_unless_asked(
    client: TestClient, demo: dict[str, Article], writer: Headers
) -> None:
    english = conforms("/kb/search", "get",
                       client.get(SEARCH, params={"q": "refund"}, headers=writer))
    assert english["hits"] and english["total"] >= len(english["hits"])
    chinese = conforms("/kb/search", "get", client.get(
        SEARCH, params={"q": "登不上", "locale": "zh-CN"}, headers=writer))
    assert chinese["hits"][0]["id"] == demo["无法登录账号怎么办"].id
    assert all(h["locale"] == "zh-CN" for h in chinese["hits"])
    internal = demo["Internal: escalating a shipping claim to the carrier"]
    public = client.get(SEARCH, params={"q": "escalating shipping claim carrier", "limit": "50"},
                        headers=writer).json()
    assert internal.id not in [h["id"] for h in public["hits"]]
    staff = client.get(SEARCH, params={"q": "escalating shipping claim carrier",
                                       "include_internal": "true"}, headers=writer).json()
    assert internal.id in [h["id"] for h in staff["hits"]]


def test_drafts_are_never_found(client: TestClient, db: Database, settings: Settings,
                                make_user: Callable[..., User], writer: Headers) -> None:
    write_article(db, settings, make_user("supervisor"), "Quokka draft", status="draft")
    found = client.get(SEARCH, params={"q": "quokka", "include_internal": "true"},
                       headers=writer).json()
    assert found["hits"] == []


def test_hostile_queries_answer_200_or_422_never_500(
    client: TestClient, demo: dict[str, Article], writer: Headers
) -> None:
    for query in ("title:", "*", "AND OR NOT", '"unbalanced', "((]", "", "   ", "\x00",
                  "登不上 OR", "a" * 999):
        response = client.get(SEARCH, params={"q": query}, headers=writer)
        assert response.status_code == 200, query
        conforms("/kb/search", "get", response)
    huge = conforms("/kb/search", "get", client.get(SEARCH, params={"q": "x" * 10_240},
                                                    headers=writer))
    assert huge["fields"] == {"q": "too_long"}
    for params in ({"locale": "fr"}, {"limit": "0"}, {"limit": "x"}, {"include_internal": "1"},
                   {"sort": "x"}):
        conforms("/kb/search", "get", client.get(SEARCH, params={"q": "a", **params},
                                                 headers=writer))
    assert client.get(SEARCH, params={"q": "a"}).status_code == 401


def test_writers_create_and_change_articles(
    client: TestClient, db: Database, writer: Headers
) -> None:
    created = client.post(ARTICLES, json={"title": "配送时间", "body_markdown": "三到五天。",
                                          "locale": "zh-CN", "tags": ["配送"]}, headers=writer)
    assert created.status_code == 201
    body = conforms("/kb/articles", "post", created)
    assert body["status"] == "draft" and body["slug"] == "配送时间"
    assert created.headers["location"].endswith(f"/api/v1/kb/articles/{body['id']}")
    changed = conforms("/kb/articles/{article_id}", "patch", client.patch(
        f"{ARTICLES}/{body['id']}", json={"status": "published"}, headers=writer))
    assert changed["status"] == "published" and changed["title"] == "配送时间"
    assert changed["published_at"] is not None
    one = conforms("/kb/articles/{article_id}", "get",
                   client.get(f"{ARTICLES}/{body['id']}", headers=writer))
    assert one["html"] == "<p>三到五天。</p>\n"


def test_invalid_articles_are_422_with_field_reasons(client: TestClient, writer: Headers) -> None:
    for payload, field in (({"body_markdown": "x"}, "title"),
                           ({"title": "x", "body_markdown": "y", "locale": "fr"}, "locale"),
                           ({"title": 5, "body_markdown": "y"}, "title"),
                           ({"title": "x", "body_markdown": "y", "tags": "a,b"}, "tags"),
                           ({"title": "x", "body_markdown": "y", "colour": "red"}, "colour"),
                           ({"title": "x", "body_markdown": "y", "category_id": 99}, "category_id")):
        response = client.post(ARTICLES, json=payload, headers=writer)
        assert response.status_code == 422, payload
        assert field in conforms("/kb/articles", "post", response)["fields"]
    conforms("/kb/articles", "post", client.post(ARTICLES, content=b"[1]", headers=writer))
    conforms("/kb/articles/{article_id}", "get",
             client.get(f"{ARTICLES}/99999", headers=writer))


def test_agents_without_the_right_get_403_on_writes(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Callable[[User], Headers],
) -> None:
    article = write_article(db, settings, make_user("supervisor"), "Opening hours")
    agent = auth(make_user("agent"))
    refused = client.post(ARTICLES, json={"title": "x", "body_markdown": "y"}, headers=agent)
    assert conforms("/kb/articles", "post", refused) and refused.status_code == 403
    patched = client.patch(f"{ARTICLES}/{article.id}", json={"title": "Closed"}, headers=agent)
    assert patched.status_code == 403
    assert client.get(f"{ARTICLES}/{article.id}", headers=agent).status_code == 200


def test_the_list_filters_and_pages_with_a_cursor(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    writer: Headers,
) -> None:
    author = make_user("supervisor")
    for n in range(3):
        write_article(db, settings, author, f"Article {n}")
    write_article(db, settings, author, "A draft", status="draft")
    write_article(db, settings, author, "中文文章", locale="zh-CN")
    first = conforms("/kb/articles", "get",
                     client.get(ARTICLES, params={"limit": "2", "locale": "en"}, headers=writer))
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(ARTICLES, params={"limit": "2", "locale": "en",
                                        "cursor": first["next_cursor"]}, headers=writer).json()
    titles = [a["title"] for a in first["items"] + rest["items"]]
    assert rest["next_cursor"] is None and len(titles) == 4 and "中文文章" not in titles
    drafts = client.get(ARTICLES, params={"status": "draft"}, headers=writer).json()
    assert [a["title"] for a in drafts["items"]] == ["A draft"]
    for params in ({"status": "gone"}, {"cursor": "x"}, {"category": "nope"}, {"limit": "500"}):
        bad = client.get(ARTICLES, params=params, headers=writer)
        assert bad.status_code == 422
        conforms("/kb/articles", "get", bad)


def test_a_category_that_no_slug_can_be_is_not_found_not_an_error(
    client: TestClient, demo: dict[str, Article], writer: Headers,
) -> None:
    """A NUL in ?category= reached the database, which PostgreSQL answers with an error (500)."""
    response = client.get("/api/v1/kb/articles", params={"category": "a\x00b"}, headers=writer)
    assert response.status_code == 422
    assert conforms("/kb/articles", "get", response)["fields"] == {"category": "not_found"}
