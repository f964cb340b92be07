"""The public help portal: categories, search and article pages in English and Chinese;
drafts, archived and internal articles never shown; feedback and views counted."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Article, ArticleFeedback, User
from desk.settings import Settings
from tests.desk.web.kb_data import import_demo, write_article

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
LOGIN_EN = "I can't log in to my account"
LOGIN_ZH = "无法登录账号怎么办"
LINK_LANG = re.compile(r'<a href="/help/articles/[^"]+" lang="([^"]+)"')


@pytest.fixture
def demo(db: Database, settings: Settings) -> dict[str, Article]:
    return import_demo(db, settings)


def url_of(article: Article) -> str:
    return f"/help/articles/{article.id}-{quote(article.slug)}"


def test_home_shows_categories_and_the_visitors_language_first(
    client: TestClient, demo: dict[str, Article]
) -> None:
    english = client.get("/help/")
    assert english.status_code == 200
    assert "/help/categories/account" in english.text
    assert 'href="/help/"' in client.get("/requests/new").text  # the public nav
    assert set(LINK_LANG.findall(english.text)) == {"en"}
    chinese = client.get("/help/", headers=ZH)
    assert set(LINK_LANG.findall(chinese.text)) == {"zh-CN"}
    assert "帮助" in chinese.text or "Help" in chinese.text
    both = client.get("/help/?locale=all")
    assert set(LINK_LANG.findall(both.text)) == {"en", "zh-CN"}
    switched = client.get("/help/?locale=zh-CN")
    assert set(LINK_LANG.findall(switched.text)) == {"zh-CN"}


def test_category_page_lists_its_articles(client: TestClient, demo: dict[str, Article]) -> None:
    page = client.get("/help/categories/account")
    assert page.status_code == 200
    assert url_of(demo[LOGIN_EN]) in page.text
    assert client.get("/help/categories/no-such-thing").status_code == 404


def test_english_search_finds_the_login_article_with_a_highlighted_snippet(
    client: TestClient, demo: dict[str, Article]
) -> None:
    page = client.get("/help/search", params={"q": "cannot log in"})
    assert page.status_code == 200
    first = page.text.index("help-results")
    assert url_of(demo[LOGIN_EN]) in page.text[first:first + 2000]
    assert "<mark>" in page.text


def test_chinese_search_for_登不上_finds_the_login_article(
    client: TestClient, demo: dict[str, Article]
) -> None:
    page = client.get("/help/search", params={"q": "登不上"}, headers=ZH)
    assert page.status_code == 200
    results = page.text[page.text.index("help-results"):]
    assert url_of(demo[LOGIN_ZH]) in results[:1500]


def test_a_chinese_query_on_the_english_portal_finds_the_chinese_article(
    client: TestClient, demo: dict[str, Article]
) -> None:
    page = client.get("/help/search", params={"q": "登不上"})  # no language picked: English page
    results = page.text[page.text.index("help-results"):]
    assert url_of(demo[LOGIN_ZH]) in results[:1500]


def test_search_can_filter_by_category_and_language(
    client: TestClient, demo: dict[str, Article]
) -> None:
    elsewhere = client.get("/help/search", params={"q": "log in", "category": "billing",
                                                    "locale": "en"})
    assert url_of(demo[LOGIN_EN]) not in elsewhere.text
    chinese = client.get("/help/search", params={"q": "登录", "locale": "zh-CN"})
    assert url_of(demo[LOGIN_ZH]) in chinese.text


def test_misspelt_english_offers_did_you_mean(client: TestClient, demo: dict[str, Article]) -> None:
    page = client.get("/help/search", params={"q": "pasword"})
    assert page.status_code == 200
    assert 'class="did-you-mean"' in page.text and "password" in page.text


def test_chinese_friendly_url_works_and_a_wrong_slug_redirects(
    client: TestClient, demo: dict[str, Article]
) -> None:
    article = demo[LOGIN_ZH]
    assert article.slug == "无法登录账号怎么办"
    page = client.get(url_of(article))
    assert page.status_code == 200
    assert "<h1>无法登录账号怎么办</h1>" in page.text
    assert f'href="{url_of(demo[LOGIN_EN])}"' in page.text  # its translation
    for wrong in (f"/help/articles/{article.id}-old-title", f"/help/articles/{article.id}"):
        moved = client.get(wrong, follow_redirects=False)
        assert moved.status_code == 301
        assert moved.headers["location"] == url_of(article)


def test_article_page_renders_sanitised_markdown_with_breadcrumbs_and_related(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    demo: dict[str, Article],
) -> None:
    page = client.get(url_of(demo[LOGIN_EN]))
    assert page.status_code == 200
    assert "<li><strong>" in page.text  # the Markdown list, rendered
    assert 'href="/help/categories/account"' in page.text
    assert "Related articles" in page.text
    hostile = write_article(db, settings, make_user("supervisor"), "Scripts",
                            body="Hello <script>alert(1)</script> [x](javascript:alert(1))")
    shown = client.get(url_of(hostile)).text
    assert "<script>alert" not in shown and "&lt;script&gt;" in shown
    assert 'href="javascript' not in shown


def test_drafts_archived_and_internal_articles_are_never_public(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    demo: dict[str, Article],
) -> None:
    writer = make_user("supervisor")
    hidden = [
        write_article(db, settings, writer, "Zephyr draft notes", status="draft"),
        write_article(db, settings, writer, "Zephyr archived notes", status="archived"),
        write_article(db, settings, writer, "Zephyr internal notes", visibility="internal"),
        demo["Gift cards"],  # a draft in the demo
    ]
    for article in hidden:
        assert client.get(url_of(article)).status_code == 404
        assert client.get(f"/help/articles/{article.id}").status_code == 404
    results = client.get("/help/search", params={"q": "zephyr notes"}).text
    assert "Zephyr" not in results.split("help-search", 1)[1].split("</form>", 1)[1]
    assert "Zephyr" not in client.get("/help/?locale=all").text


def test_feedback_is_recorded_with_its_comment_and_views_are_counted(
    client: TestClient, db: Database, demo: dict[str, Article]
) -> None:
    article = demo[LOGIN_EN]
    client.get(url_of(article))
    client.get(url_of(article))  # the thank-you page below is a view too
    sent = client.post(f"/help/articles/{article.id}/feedback",
                       data={"helpful": "no", "comment": "x" * 5000}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?thanks=1#feedback")
    client.post(f"/help/articles/{article.id}/feedback", data={"helpful": "yes"})
    assert "Thank you for your feedback." in client.get(sent.headers["location"]).text
    with db.session() as s:
        fresh = s.get(Article, article.id)
        assert fresh is not None
        assert (fresh.views, fresh.helpful_yes, fresh.helpful_no) == (4, 1, 1)
        comments = [f.comment for f in s.exec(select(ArticleFeedback))]
    assert sorted(len(c) for c in comments) == [0, 2000]


def test_feedback_needs_an_answer_and_is_rate_limited(
    client: TestClient, demo: dict[str, Article]
) -> None:
    article = demo[LOGIN_EN]
    assert client.post(f"/help/articles/{article.id}/feedback", data={}).status_code == 400
    draft = demo["Gift cards"]
    assert client.post(f"/help/articles/{draft.id}/feedback",
                       data={"helpful": "yes"}).status_code == 404
    codes = [client.post(f"/help/articles/{article.id}/feedback", data={"helpful": "yes"},
                         follow_redirects=False).status_code for _ in range(12)]
    assert codes.count(303) == 9 and codes[-1] == 429  # one was spent on the draft


HOSTILE = ["title:", "*", "AND OR NOT", '"unbalanced', "(((", "a" * 10_000, "", "   ",
           "登不上 AND (", "\x00", "body:x^5 ~2"]


def test_hostile_queries_get_a_page_never_an_error(
    client: TestClient, demo: dict[str, Article]
) -> None:
    for query in HOSTILE:
        assert client.get("/help/search", params={"q": query}).status_code == 200, query


def test_huge_article_ids_are_not_found(client: TestClient) -> None:
    assert client.get("/help/articles/99999999999999-x").status_code == 404
