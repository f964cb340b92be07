"""The public help portal: categories, search and articles, in the visitor's language.

Anyone may read it without signing in, so it only ever shows published public articles:
drafts, archived and internal articles answer 404 here (staff read them under /agent/kb/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.kb.visits import count_view, save_feedback
from desk.i18n import _
from desk.kb_index import search_kb
from desk.models import Article, KbCategory
from desk.queries.kb.articles import (
    article_for,
    categories,
    published_articles,
    related_articles,
    translations,
)
from desk.settings import Settings
from desk.web.auth import db_of
from desk.web.kb.deflection import record_opened_link
from desk.web.ratelimit import SlidingWindow
from desk.web.templating import render, request_locale
from knowledge_base.markdown import to_html

KB_LOCALES = ("en", "zh-CN")
# The UI's locale codes (gettext) and the knowledge base's (BCP 47) for the same languages.
UI_TO_KB = {"en": "en", "zh_CN": "zh-CN"}
KB_LOCALE_NAMES = {"en": "English", "zh-CN": "简体中文"}
MAX_QUERY = 500  # longer queries are cut: nobody types more into a search box
MAX_COMMENT = 2000
FEEDBACK_PER_MINUTE = 10
HOME_ARTICLES = 10
PER_CATEGORY = 100
MAX_ID = 2**31 - 1  # ids are 32-bit columns: larger ones cannot exist
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def kb_locale(request: Request) -> str:
    """The knowledge-base locale matching the language the page is shown in."""
    return UI_TO_KB.get(request_locale(request), "en")


def chosen_locale(request: Request) -> str | None:
    """The ``locale`` filter: the visitor's language unless they picked another or 'all'."""
    raw = request.query_params.get("locale", "")
    if raw == "all":
        return None
    normal = raw.replace("_", "-")
    return normal if normal in KB_LOCALES else kb_locale(request)


def article_url(article_id: int | None, slug: str) -> str:
    """The friendly address of an article; Chinese slugs are percent-encoded in the URL."""
    return f"/help/articles/{article_id}-{quote(slug, safe='')}"


@dataclass
class CategoryNode:
    """A top-level category with its children, for the home page."""

    category: KbCategory
    children: list[KbCategory] = field(default_factory=list)


def category_tree(cats: list[KbCategory]) -> list[CategoryNode]:
    nodes = {c.id: CategoryNode(c) for c in cats if c.parent_id is None}
    for cat in cats:
        if cat.parent_id is not None and cat.parent_id in nodes:
            nodes[cat.parent_id].children.append(cat)
    return list(nodes.values())


def category_name(cat: KbCategory | None, locale: str) -> str:
    if cat is None:
        return ""
    return cat.name_zh if locale == "zh-CN" and cat.name_zh else cat.name


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _page(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    """Render a portal page with what every portal page needs (locale filter, names)."""
    return render(request, template, status_code=status_code, kb_locales=KB_LOCALE_NAMES,
                  ui_kb_locale=kb_locale(request), article_url=article_url,
                  category_name=category_name, **context)


async def home(request: Request) -> Response:
    locale = chosen_locale(request)
    with db_of(request).session() as session:
        cats = categories(session)
        recent = published_articles(session, locale=locale, limit=HOME_ARTICLES)
    return _page(request, "kb/help/home.html", tree=category_tree(cats), recent=recent,
                 chosen=locale or "all")


async def category_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    locale = chosen_locale(request)
    with db_of(request).session() as session:
        cats = categories(session)
        cat = next((c for c in cats if c.slug == slug), None)
        if cat is None:
            raise HTTPException(404, _("There is no such category."))
        articles = published_articles(session, locale=locale, category_id=cat.id,
                                      limit=PER_CATEGORY)
    parent = next((c for c in cats if c.id == cat.parent_id), None)
    return _page(request, "kb/help/category.html", category=cat, parent=parent, articles=articles,
                 children=[c for c in cats if c.parent_id == cat.id], chosen=locale or "all")


async def search(request: Request) -> Response:
    params = request.query_params
    query = params.get("q", "")[:MAX_QUERY].strip()
    category = params.get("category", "")[:120]
    locale = chosen_locale(request)
    with db_of(request).session() as session:
        cats = categories(session)
    results = None
    if query:
        if "locale" not in params and _CJK.search(query):
            locale = "zh-CN"  # a Chinese query on an English page: the Chinese articles
        results = search_kb(db_of(request), _settings(request), query, locale=locale,
                            category=category or None, limit=20)
        if not results.hits and locale is not None and "locale" not in params:
            # Nothing in the visitor's language (they did not pick one): try them all.
            locale = None
            results = search_kb(db_of(request), _settings(request), query, locale=None,
                                category=category or None, limit=20)
    hits = [(hit, Markup(hit.snippet)) for hit in results.hits] if results else []  # noqa: S704
    did_you_mean = None
    if results and results.did_you_mean:
        did_you_mean = (results.did_you_mean, "/help/search?" + urlencode(
            {"q": results.did_you_mean, "category": category, "locale": locale or "all"}))
    return _page(request, "kb/help/search.html", query=query, category=category, cats=cats,
                 hits=hits, total=results.total if results else 0, did_you_mean=did_you_mean,
                 chosen=locale or "all")


def _public_article(session: Session, article_id: int) -> Article:
    article = article_for(session, article_id) if article_id <= MAX_ID else None
    if article is None:
        raise HTTPException(404, _("There is no such article."))
    return article


async def article_page(request: Request) -> Response:
    article_id: int = request.path_params["article_id"]
    slug = request.path_params.get("slug", "")
    db = db_of(request)
    with db.session() as session:
        article = _public_article(session, article_id)
        if slug != article.slug:
            return RedirectResponse(article_url(article.id, article.slug), status_code=301)
        count_view(session, article_id)
        article = _public_article(session, article_id)
    # Came by a suggestion's link: "opened", also for customers without JavaScript.
    record_opened_link(db, request.query_params, article_id)
    with db.session() as session:
        related = related_articles(session, article)
        others = translations(session, article)
        cats = {c.id: c for c in categories(session)}
    cat = cats.get(article.category_id)
    parent = cats.get(cat.parent_id) if cat is not None and cat.parent_id else None
    return _page(request, "kb/help/article.html", article=article, category=cat, parent=parent,
                 html=Markup(to_html(article.body_markdown)),  # noqa: S704 - sanitised by nh3
                 related=related, translations=others,
                 thanks=request.query_params.get("thanks") == "1")


def _limiter(request: Request) -> SlidingWindow:
    state = request.app.state
    limiter = getattr(state, "kb_feedback_limiter", None)
    if limiter is None:
        limiter = state.kb_feedback_limiter = SlidingWindow(FEEDBACK_PER_MINUTE, 60.0)
    assert isinstance(limiter, SlidingWindow)
    return limiter


async def feedback(request: Request) -> Response:
    """"Was this helpful?": no sign-in and no CSRF token (nothing private changes), but
    capped per client and per comment length."""
    article_id: int = request.path_params["article_id"]
    form = await request.form(max_files=0, max_fields=10)
    answer = str(form.get("helpful", ""))
    if answer not in ("yes", "no"):
        raise HTTPException(400, _("Say whether the article helped: yes or no."))
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client):
        raise HTTPException(429, _("Too many answers in a short time. Try again in a minute."))
    comment = str(form.get("comment", "")).strip()[:MAX_COMMENT]
    with db_of(request).session() as session:
        article = _public_article(session, article_id)
        save_feedback(session, article_id, answer == "yes", comment)
    return RedirectResponse(article_url(article.id, article.slug) + "?thanks=1#feedback",
                            status_code=303)


async def short_article(request: Request) -> Response:
    """/help/articles/{id} with no slug: to the friendly address."""
    with db_of(request).session() as session:
        article = _public_article(session, request.path_params["article_id"])
    return RedirectResponse(article_url(article.id, article.slug), status_code=301)


routes = [
    Route("/help/", home, methods=["GET"]),
    Route("/help", lambda request: RedirectResponse("/help/", status_code=307)),
    Route("/help/search", search, methods=["GET"]),
    Route("/help/categories/{slug}", category_page, methods=["GET"]),
    Route("/help/articles/{article_id:id}", short_article, methods=["GET"]),
    Route("/help/articles/{article_id:id}-{slug}", article_page, methods=["GET"]),
    Route("/help/articles/{article_id:id}/feedback", feedback, methods=["POST"]),
]
