"""The knowledge base over the API: search, the article list, one article, and writing.

Every token belongs to a staff member, so any token reads drafts and internal articles in
the list; search shows internal ones only when asked (``include_internal=true``), as the
portal would. Writing needs ``can_write`` (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.kb.articles import ArticleInput, KbError, can_write
from desk.actions.kb.editor import save_article_changes, save_new_article
from desk.kb_index import search_kb
from desk.models import Article, User
from desk.queries.kb.articles import (
    ArticleFilter,
    article_for,
    category_by_slug,
    category_slugs,
    list_articles,
    translations,
)
from desk.settings import Settings
from desk.web.api.inputs import MAX_ID, invalid, json_object, paging, read_body, whole_number
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated, bearer_token
from desk.web.errors import ApiError
from desk.web.kb.help import KB_LOCALES, article_url
from desk.web.kb.pages import STATUSES
from knowledge_base.markdown import to_html

JSON = dict[str, Any]
MAX_QUERY = 1000  # characters; longer is 422, not a slow search
MAX_SEARCH_LIMIT = 50
MAX_LIST_LIMIT = 100
SEARCH_PARAMS = ("q", "locale", "category", "limit", "include_internal")
LIST_PARAMS = ("locale", "status", "category", "limit", "cursor")
WRITABLE = ("title", "body_markdown", "locale", "category_id", "tags", "status", "visibility",
            "translation_of")


def _locale(raw: str) -> str | None:
    """``en``, ``zh-CN`` (``zh_CN`` accepted too), or None when not one of them."""
    normal = raw.replace("_", "-")
    return normal if normal in KB_LOCALES else None


def _unknown(params: Mapping[str, str], known: tuple[str, ...]) -> dict[str, str]:
    return {name: "unknown_parameter" for name in params if name not in known}


def search_params(params: Mapping[str, str]) -> tuple[str, str | None, str | None, int, bool]:
    """(q, locale, category, limit, include_internal) of GET /kb/search, or 422."""
    errors = _unknown(params, SEARCH_PARAMS)
    q = params.get("q", "")
    if len(q) > MAX_QUERY:
        errors["q"] = "too_long"
    locale = _locale(params["locale"]) if "locale" in params else None
    if "locale" in params and locale is None:  # "locale=" too: the document lists the choices
        errors["locale"] = "invalid_choice"
    category = params.get("category", "")
    if len(category) > 120:
        errors["category"] = "too_long"
    limit = whole_number(params.get("limit", "10"), MAX_SEARCH_LIMIT)
    if limit is None:
        errors["limit"] = "out_of_range"
    internal = params.get("include_internal", "false")
    if internal not in ("true", "false"):
        errors["include_internal"] = "not_a_boolean"
    if errors:
        raise invalid(errors, "invalid query parameters")
    return q.strip(), locale, category or None, limit or 10, internal == "true"


def article_json(article: Article, category: str | None) -> JSON:
    return {
        "id": article.id, "title": article.title, "slug": article.slug, "locale": article.locale,
        "category_id": article.category_id, "category": category, "tags": list(article.tags or []),
        "status": article.status, "visibility": article.visibility,
        "translation_group": article.translation_group,
        "url": article_url(article.id, article.slug),
        "views": article.views, "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no, "created_at": iso(article.created_at),
        "updated_at": iso(article.updated_at), "published_at": iso(article.published_at),
    }


def article_detail_json(session: Session, article: Article) -> JSON:
    cats = category_slugs(session)
    others = translations(session, article, include_unpublished=True, include_internal=True)
    return {**article_json(article, cats.get(article.category_id)),
            "body_markdown": article.body_markdown, "html": to_html(article.body_markdown),
            "translations": [{"id": t.id, "locale": t.locale, "title": t.title} for t in others]}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class KbSearch(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request):
            q, locale, category, limit, internal = search_params(request.query_params)
        results = search_kb(request.app.state.db, _settings(request), q, locale=locale,
                            category=category, include_internal=internal, limit=limit) if q else None
        hits = [{"id": h.id, "title": h.title, "slug": h.slug, "locale": h.locale,
                 "category": h.category or None, "score": round(float(h.score), 4),
                 "snippet": h.snippet, "url": article_url(h.id, h.slug)}
                for h in (results.hits if results else [])]
        return JSONResponse({"query": q, "hits": hits, "total": results.total if results else 0,
                             "did_you_mean": results.did_you_mean if results else None})


def list_params(session: Session, params: Mapping[str, str]) -> tuple[ArticleFilter, int, int | None]:
    errors = _unknown(params, LIST_PARAMS)
    locale = _locale(params["locale"]) if "locale" in params else None
    if "locale" in params and locale is None:
        errors["locale"] = "invalid_choice"
    status = params.get("status")
    if status is not None and status not in STATUSES:
        errors["status"] = "invalid_choice"
    category_id = None
    if "category" in params:
        raw = params["category"]
        found = category_by_slug(session, raw[:200]) if not raw.isdigit() else None
        category_id = found.id if found else whole_number(raw, MAX_ID)
        if category_id is None:
            errors["category"] = "not_found"
    limit, cursor = paging(params, errors, 50, MAX_LIST_LIMIT)
    if errors:
        raise invalid(errors, "invalid query parameters")
    return ArticleFilter(status=status, locale=locale, category_id=category_id), limit, cursor


def _check_body(body: JSON, partial: bool) -> JSON:
    """Types of a POST/PATCH body, as codes per field; the action checks the values."""
    errors = {key: "unknown_field" for key in body.keys() - set(WRITABLE)}
    for key in ("title", "body_markdown", "locale", "status", "visibility"):
        if key in body and not isinstance(body[key], str):
            errors[key] = "not_a_string"
    for key in ("category_id", "translation_of"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= MAX_ID):
            errors[key] = "invalid_id"
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = "invalid_tags"
    if not partial:
        for key in ("title", "body_markdown"):
            if body.get(key) is None:
                errors[key] = "required"
    if errors:
        raise invalid(errors)
    return body


def _input(body: JSON, article: Article | None) -> ArticleInput:
    base: JSON = {"title": "", "body_markdown": "", "locale": "en", "category_id": None,
                  "tags": [], "status": "draft", "visibility": "public"}
    if article is not None:
        base = {k: getattr(article, k) for k in base}
        base["tags"] = list(article.tags or [])
    merged = {**base, **{k: v for k, v in body.items() if k != "translation_of"}}
    return ArticleInput(**merged, translation_of=body.get("translation_of"))


def _writer(user: User) -> None:
    if not can_write(user):
        raise ApiError(403, "only knowledge-base writers may create or change articles")


def _refused(exc: KbError) -> ApiError:
    return invalid({exc.field: str(exc)}, "the article was not saved")


def _article(session: Session, request: Request) -> Article:
    article_id: int = request.path_params["article_id"]
    article = article_for(session, article_id, include_unpublished=True,
                          include_internal=True) if article_id <= MAX_ID else None
    if article is None:
        raise ApiError(404, "no such article")
    return article


class KbArticles(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, _user):
            f, limit, cursor = list_params(session, request.query_params)
            rows = list_articles(session, f, limit=limit + 1, before=cursor)
            cats = category_slugs(session)
            more = len(rows) > limit
            rows = rows[:limit]
            return JSONResponse({
                "items": [article_json(a, cats.get(a.category_id)) for a in rows],
                "next_cursor": str(rows[-1].id) if more and rows else None,
            })

    async def post(self, request: Request) -> Response:
        bearer_token(request)
        return await run_in_threadpool(self.create, request, await read_body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _writer(user)
            body = _check_body(json_object(raw), partial=False)
            try:
                article = save_new_article(session, Actor.of_user(user, via_api=True), user,
                                           _input(body, None))
            except KbError as exc:
                raise _refused(exc) from exc
            return JSONResponse(article_detail_json(session, article), status_code=201,
                                headers={"Location": str(request.url_for(
                                    "api:kb_article", article_id=article.id))})


class KbArticle(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, _user):
            return JSONResponse(article_detail_json(session, _article(session, request)))

    async def patch(self, request: Request) -> Response:
        bearer_token(request)
        return await run_in_threadpool(self.change, request, await read_body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _writer(user)
            article = _article(session, request)
            body = _check_body(json_object(raw), partial=True)
            try:
                save_article_changes(session, Actor.of_user(user, via_api=True), user, article,
                                     _input(body, article))
            except KbError as exc:
                raise _refused(exc) from exc
            return JSONResponse(article_detail_json(session, article))


routes = [
    Route("/kb/search", KbSearch, name="api:kb_search"),
    Route("/kb/articles", KbArticles, name="api:kb_articles"),
    Route("/kb/articles/{article_id:int}", KbArticle, name="api:kb_article"),
]
