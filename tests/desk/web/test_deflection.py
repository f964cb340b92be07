"""Suggestions beside the request form, the deflection counts, the knowledge-base report and the
articles suggested on an agent's ticket page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.kb.articles import ArticleInput, create_article, record_deflection
from desk.db import Database, commit
from desk.kb_index import reindex
from desk.models import User
from desk.models.kb import DeflectionEvent
from desk.settings import Settings
from tests.conftest import sign_in

LOGIN_EN = "How to reset your password when you cannot log in"
LOGIN_ZH = "无法登录怎么办"
LOGIN_ZH_BODY = "如果您登录不了账户，请在登录页点击“忘记密码”，我们会发送重置链接。"
REFUND = "Getting a refund for a cancelled order"
DRAFT = "Password reset draft with secret plans"
INTERNAL = "Internal password reset procedure for agents"


@dataclass(frozen=True)
class Kb:
    login_en: int
    login_zh: int
    refund: int
    draft: int
    internal: int


def _article(db: Database, author: User, title: str, body: str, locale: str = "en",
             status: str = "published", visibility: str = "public") -> int:
    with db.session() as s:
        article = create_article(s, Actor.of_user(author), author, ArticleInput(
            title=title, body_markdown=body, locale=locale, status=status, visibility=visibility))
        commit(s)
        assert article.id is not None
        return article.id


@pytest.fixture
def kb(db: Database, settings: Settings, make_user) -> Kb:  # type: ignore[no-untyped-def]
    writer = make_user("supervisor")
    made = Kb(
        login_en=_article(db, writer, LOGIN_EN, "Open the sign-in page and choose **Forgot password**. "
                          "We send a reset link to your email."),
        login_zh=_article(db, writer, LOGIN_ZH, LOGIN_ZH_BODY, locale="zh-CN"),
        refund=_article(db, writer, REFUND, "Refunds for cancelled orders arrive within five days."),
        draft=_article(db, writer, DRAFT, "Password reset secret plans.", status="draft"),
        internal=_article(db, writer, INTERNAL, "Agents verify the caller before a password reset.",
                          visibility="internal"),
    )
    reindex(db, settings)
    return made


def _suggest(client: TestClient, q: str, locale: str = "en") -> list[dict[str, object]]:
    response = client.get("/help/suggest", params={"q": q, "locale": locale})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    articles: list[dict[str, object]] = response.json()["articles"]
    return articles


def test_suggest_finds_an_english_article_while_the_word_is_still_being_typed(
        client: TestClient, kb: Kb) -> None:
    articles = _suggest(client, "reset passw")
    assert articles[0]["id"] == kb.login_en
    assert articles[0]["title"] == LOGIN_EN
    assert str(articles[0]["url"]).startswith(f"/help/articles/{kb.login_en}-")
    assert "Forgot password" in str(articles[0]["snippet"])


def test_suggest_finds_the_chinese_login_article_for_a_colloquial_subject(client: TestClient, kb: Kb) -> None:
    articles = _suggest(client, "登不上", locale="zh-CN")
    assert articles[0]["id"] == kb.login_zh
    url = str(articles[0]["url"])
    assert url.startswith(f"/help/articles/{kb.login_zh}-%E6%97%A0")  # the Chinese slug, encoded
    assert client.get(url, follow_redirects=False).status_code == 200


def test_suggest_puts_the_forms_locale_first_for_mixed_text(client: TestClient, kb: Kb) -> None:
    chinese_form = [a["id"] for a in _suggest(client, "password 登录", locale="zh_CN")]
    english_form = [a["id"] for a in _suggest(client, "password 登录", locale="en")]
    assert chinese_form[0] == kb.login_zh
    assert english_form[0] == kb.login_en
    assert set(chinese_form) == set(english_form) == {kb.login_en, kb.login_zh}


def test_suggest_never_offers_drafts_or_internal_articles(client: TestClient, kb: Kb) -> None:
    for q in ("password reset", "secret plans", "Internal procedure agents", "draft"):
        ids = {a["id"] for a in _suggest(client, q)}
        assert kb.draft not in ids and kb.internal not in ids, q


def test_suggest_is_cacheable_and_ignores_one_letter(client: TestClient, kb: Kb) -> None:
    response = client.get("/help/suggest", params={"q": "r", "locale": "en"})
    assert response.json() == {"articles": []}
    assert "max-age" in response.headers["cache-control"]


HOSTILE = [
    "title:", "title:password", "*", "pass*", "AND OR NOT", '"unbalanced', "((password", "password)]}",
    "x" * 10_240, "密码" * 3000, "", "   ", "\x00\x01", "<script>alert(1)</script>", "%", "\\", "~2^3",
    "password AND", "NOT", "登录 OR", "-", "'; DROP TABLE article; --",
]


def test_suggest_answers_hostile_queries_with_json(client: TestClient, kb: Kb) -> None:
    for q in HOSTILE:
        articles = _suggest(client, q)
        assert isinstance(articles, list) and len(articles) <= 5, q


def test_suggest_without_an_index_answers_empty_instead_of_failing(client: TestClient) -> None:
    assert _suggest(client, "password") == []


def _beacon(client: TestClient, kind: str, ids: list[int], visit: str = "visit-0001",
            **headers: str) -> int:
    data = {"visit": visit, "kind": kind, "article": [str(i) for i in ids]}
    return client.post("/help/deflection", data=data, headers=headers).status_code


def _events(db: Database, kind: str, article_id: int) -> int:
    with db.session() as s:
        return int(s.exec(select(func.count()).select_from(DeflectionEvent).where(
            DeflectionEvent.kind == kind, DeflectionEvent.article_id == article_id)).one())


def test_a_visit_counts_once_per_article_and_kind(client: TestClient, db: Database, kb: Kb) -> None:
    assert _beacon(client, "suggested", [kb.login_en, kb.refund]) == 204
    assert _beacon(client, "suggested", [kb.login_en]) == 204  # typed on: shown again
    assert _beacon(client, "opened", [kb.login_en]) == 204
    assert _beacon(client, "opened", [kb.login_en]) == 204
    assert _beacon(client, "abandoned", [kb.login_en]) == 204
    assert _beacon(client, "opened", [kb.login_en], visit="visit-0002") == 204
    assert _events(db, "suggested", kb.login_en) == 1
    assert _events(db, "suggested", kb.refund) == 1
    assert _events(db, "opened", kb.login_en) == 2
    assert _events(db, "abandoned", kb.login_en) == 1


def test_beacons_ignore_drafts_and_internal_articles_and_unknown_ids(client: TestClient, db: Database,
                                                                     kb: Kb) -> None:
    assert _beacon(client, "opened", [kb.draft, kb.internal, 999_999]) == 204
    assert _events(db, "opened", kb.draft) == _events(db, "opened", kb.internal) == 0


@pytest.mark.parametrize(("kind", "ids", "visit", "headers", "status"), [
    ("clicked", [1], "visit-0001", {}, 400),
    ("opened", [1], "short", {}, 400),
    ("opened", [1], "bad visit with spaces!", {}, 400),
    ("opened", list(range(1, 12)), "visit-0001", {}, 400),
    ("opened", [1], "visit-0001", {"sec-fetch-site": "cross-site"}, 403),
    ("opened", [1], "visit-0001", {"origin": "https://evil.example"}, 403),
])
def test_beacons_refuse_bad_or_foreign_input(client: TestClient, db: Database, kb: Kb, kind: str,
                                             ids: list[int], visit: str, headers: dict[str, str],
                                             status: int) -> None:
    response = client.post("/help/deflection", headers=headers,
                           data={"visit": visit, "kind": kind, "article": [str(i) for i in ids]})
    assert response.status_code == status
    assert response.json()["error"]
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(DeflectionEvent)).one() == 0


def test_bad_article_id_is_refused(client: TestClient, kb: Kb) -> None:
    response = client.post("/help/deflection", data={"visit": "visit-0001", "kind": "opened",
                                                     "article": "1; drop"})
    assert response.status_code == 400


def test_blank_form_carries_the_suggestions_box_and_stays_cached(client: TestClient, kb: Kb) -> None:
    first = client.get("/requests/new", headers={"accept-language": "zh-CN"})
    assert first.status_code == 200
    assert '<script src="/static/js/deflect.js" defer></script>' in first.text
    assert 'id="kb-suggestions"' in first.text and 'data-locale="zh-CN"' in first.text
    assert 'action="/requests/new"' in first.text  # the search-first step without JavaScript
    assert "zh_CN" in client.app.state.page_cache  # type: ignore[attr-defined]
    assert client.get("/requests/new", headers={"accept-language": "zh-CN"}).text == first.text
    assert client.get("/static/js/deflect.js").status_code == 200


def test_search_first_step_lists_articles_above_the_form_without_javascript(
        client: TestClient, db: Database, kb: Kb) -> None:
    page = client.get("/requests/new", params={"q": "reset password"})
    assert page.status_code == 200
    link = re.search(rf'href="(/help/articles/{kb.login_en}-[^"?]+)\?from=suggest&amp;visit=([\w-]+)"',
                     page.text)
    assert link, page.text
    assert 'name="subject" value="reset password"' in page.text.replace('id="subject" ', "")
    assert str(kb.draft) not in re.findall(r"/help/articles/(\d+)-", page.text)
    assert _events(db, "suggested", kb.login_en) == 1
    # The form below still works as before.
    assert 'action="/requests"' in page.text
    assert "reset password" not in client.get("/requests/new").text


def _record(db: Database, kind: str, ids: list[int], visit: str) -> None:
    with db.session() as s:
        record_deflection(s, kind, ids, visit)
        commit(s)


def test_report_shows_each_articles_counts_totals_and_deflection_rate(
        client: TestClient, db: Database, kb: Kb, make_user) -> None:  # type: ignore[no-untyped-def]
    for n in range(4):
        _record(db, "suggested", [kb.login_en, kb.refund], f"visit-{n:04}")
    for n in range(4):
        _record(db, "opened", [kb.login_en], f"visit-{n:04}")
    _record(db, "abandoned", [kb.login_en], "visit-0000")
    _record(db, "abandoned", [kb.login_en], "visit-0001")
    _record(db, "abandoned", [kb.login_en], "visit-0002")
    _record(db, "submitted", [kb.login_en], "visit-0003")
    _record(db, "opened", [kb.refund], "visit-0000")
    _record(db, "submitted", [kb.refund], "visit-0000")
    sign_in(client, make_user("supervisor"))
    page = client.get("/agent/kb/report")
    assert page.status_code == 200
    row = re.search(rf'<tr data-article="{kb.login_en}">(.*?)</tr>', page.text, re.S)
    assert row
    cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', row.group(1)))
    assert cells == {"views": "0", "helpful_yes": "0", "helpful_no": "0", "suggested": "4",
                     "opened": "4", "abandoned": "3", "submitted": "1", "rate": "75%"}
    totals = dict(re.findall(r'data-total="(\w+)"><dt>[^<]*</dt><dd>([^<]*)<', page.text))
    assert totals["suggested"] == "8" and totals["opened"] == "5" and totals["abandoned"] == "3"
    assert totals["rate"] == "60%"
    by_rate = client.get("/agent/kb/report", params={"sort": "rate", "dir": "desc"}).text
    order = [int(i) for i in re.findall(r'<tr data-article="(\d+)">', by_rate)]
    assert order[:2] == [kb.login_en, kb.refund]
    by_rate_up = client.get("/agent/kb/report", params={"sort": "rate", "dir": "asc"}).text
    assert [int(i) for i in re.findall(r'<tr data-article="(\d+)">', by_rate_up)][-1] == kb.login_en
    assert client.get("/agent/kb/report", params={"sort": "nonsense"}).status_code == 200


def test_report_is_for_supervisors(client: TestClient, kb: Kb, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/agent/kb/report", follow_redirects=False).status_code == 303
    sign_in(client, make_user("agent"))
    assert client.get("/agent/kb/report").status_code == 403


def test_ticket_page_suggests_articles_with_links_and_text_to_insert(
        client: TestClient, db: Database, settings: Settings, kb: Kb, make_user) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Cannot log in",
            "I forgot my password, please reset it."))
        commit(s)
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/tickets/{ticket.id}")
    assert page.status_code == 200
    card = page.text.split('id="kb-suggested"', 1)[1].split("</div>\n<script", 1)[0]
    ids = [int(i) for i in re.findall(r'<li data-article="(\d+)">', card)]
    assert ids[0] == kb.login_en
    assert kb.internal in ids  # agents see internal articles too
    assert kb.draft not in ids
    assert f'value="http://testserver/help/articles/{kb.login_en}-' in card
    assert "We send a reset link to your email." in card  # the text to insert
    assert 'data-insert="link"' in card and 'data-insert="text"' in card
    assert '<script src="/static/js/kb-insert.js" defer></script>' in page.text


def test_ticket_page_without_matching_articles_says_so(client: TestClient, db: Database,
                                                       settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer", "Hi"))
        commit(s)
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/tickets/{ticket.id}")
    assert page.status_code == 200
    assert "No articles match this ticket." in page.text
