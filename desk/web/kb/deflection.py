"""Deflection: articles suggested while a customer writes a request, the counts of what they did
with them, and the articles suggested to an agent for the ticket in front of them.

The suggest endpoint only reads (the index, then one primary-key query that re-checks every hit
is still published and public), so it can be cached and answers in a few milliseconds. What the
customer did with the suggestions arrives separately, as beacons, and is counted once per visit,
article and kind; the counts are estimates, and one request can never record much.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from sqlmodel import Session
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.kb.visits import count_deflection
from desk.db import Database
from desk.i18n import gettext_for
from desk.kb_index import search_kb, suggest_kb
from desk.models.kb import DeflectionKind, Visibility
from desk.queries.kb.articles import published_by_id
from desk.settings import Settings
from desk.web.ratelimit import SlidingWindow
from desk.web.templating import request_locale
from knowledge_base.markdown import to_text
from knowledge_base.searching import Hit

MIN_CHARS = 2
MAX_QUERY = 200  # the subject field's own limit
SUGGESTIONS = 5
MAX_IDS_PER_BEACON = 10
BEACONS_PER_MINUTE = 120
EXCERPT_CHARS = 160
_VISIT = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
# Enough of the ticket for the index to find its topic; a long first mail adds only noise.
TICKET_QUERY_CHARS = 300


@dataclass(frozen=True)
class Suggestion:
    """An article offered to someone: ``url`` is the page's path; ``snippet`` the start of its
    text (for agents, all of it, to insert into a reply)."""

    id: int
    title: str
    url: str
    locale: str
    snippet: str
    internal: bool = False
    confident: bool = False
    """The search is sure enough of this article to offer it unasked (``Hit.confident``): the chat
    widget shows only confident suggestions."""


def kb_locale(code: str | None) -> str:
    """The knowledge base's locale (``en``, ``zh-CN``) for an app or browser locale code."""
    return "zh-CN" if code and code.strip().lower().replace("_", "-").startswith("zh") else "en"


def article_path(article_id: int, slug: str) -> str:
    return f"/help/articles/{article_id}-{quote(slug, safe='')}"


@lru_cache(maxsize=4096)
def _text(article_id: int, updated_at: datetime, body_markdown: str) -> str:
    """Plain text of an article; cached per version since the same few articles are shown all day."""
    return to_text(body_markdown).strip()


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of an article's text on one line, cut at ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit].rstrip() + "…"


def _locale_first(hits: list[Hit], locale: str, limit: int) -> list[Hit]:
    return sorted(hits, key=lambda h: h.locale != locale)[:limit]


def _suggestions(session: Session, hits: list[Hit], include_internal: bool,
                 full_text: bool = False) -> list[Suggestion]:
    found = published_by_id(session, [h.id for h in hits], include_internal)
    out = []
    for hit in hits:
        article = found.get(hit.id)
        if article is None or article.id is None:
            continue
        words = _text(article.id, article.updated_at, article.body_markdown)
        out.append(Suggestion(article.id, article.title, article_path(article.id, article.slug),
                              article.locale, words if full_text else excerpt(words),
                              article.visibility == Visibility.internal, hit.confident))
    return out


def public_suggestions(db: Database, settings: Settings, text: str, locale: str,
                       limit: int = SUGGESTIONS) -> list[Suggestion]:
    """Published public articles for what a customer typed, their locale's first (``zh``,
    ``zh_CN`` and ``zh-CN`` alike). Each says whether the search is ``confident`` of it: a
    suggestion offered unasked (the chat widget's) should be a confident one."""
    text = text.strip()[:MAX_QUERY]
    locale = kb_locale(locale)
    if len(text) < MIN_CHARS:
        return []
    hits = suggest_kb(db, settings, text, locale=locale, limit=limit).hits
    if len(hits) < limit:  # too few in their language: fill up with the other's
        seen = {h.id for h in hits}
        others = suggest_kb(db, settings, text, limit=limit).hits
        hits = hits + [h for h in others if h.id not in seen][: limit - len(hits)]
    with db.session() as session:
        return _suggestions(session, hits, include_internal=False)


def ticket_suggestions(session: Session, db: Database, settings: Settings, subject: str,
                       first_text: str, customer_locale: str,
                       limit: int = SUGGESTIONS) -> list[Suggestion]:
    """Articles for an agent's ticket, internal ones included, the customer's locale first: one search."""
    query = f"{subject}\n{first_text}"[:TICKET_QUERY_CHARS]
    hits = search_kb(db, settings, query, include_internal=True, limit=limit * 2).hits
    ordered = _locale_first(hits, kb_locale(customer_locale), limit)
    return _suggestions(session, ordered, include_internal=True, full_text=True)


async def suggest(request: Request) -> Response:
    """``GET /help/suggest?q=&locale=``: JSON for suggest-as-you-type; never an error for any text."""
    params = request.query_params
    locale = kb_locale(params.get("locale") or request_locale(request))
    found = public_suggestions(request.app.state.db, request.app.state.settings,
                               params.get("q", ""), locale)
    articles = [{"id": s.id, "title": s.title, "url": s.url, "locale": s.locale, "snippet": s.snippet}
                for s in found]
    # Same answer for everyone: browsers may reuse it while the customer edits back and forth.
    return JSONResponse({"articles": articles}, headers={"Cache-Control": "public, max-age=60"})


def _limiter(request: Request) -> SlidingWindow:
    state = request.app.state
    limiter: SlidingWindow | None = getattr(state, "deflection_limiter", None)
    if limiter is None:
        limiter = state.deflection_limiter = SlidingWindow(BEACONS_PER_MINUTE, 60.0)
    return limiter


def _cross_site(request: Request) -> bool:
    """Beacons come from our own form; a page elsewhere must not be able to inflate the counts."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:  # every current browser sends it; a proxy rewriting Host cannot confuse it
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.headers.get("host")


def _error(request: Request, message: str, status_code: int) -> JSONResponse:
    return JSONResponse({"error": gettext_for(request_locale(request), message)}, status_code=status_code)


def _article_ids(form: FormData) -> list[int] | None:
    raw = form.getlist("article")
    if len(raw) > MAX_IDS_PER_BEACON:
        return None
    ids = []
    for value in raw:
        if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
            return None
        ids.append(int(value))
    return list(dict.fromkeys(ids))


async def deflection_beacon(request: Request) -> Response:
    """``POST /help/deflection`` (form fields ``visit``, ``kind``, ``article``...): what a visitor
    did with the suggestions. Unknown or unpublished articles are ignored; answers 204."""
    if _cross_site(request):
        return _error(request, "Not allowed.", 403)
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client):
        return _error(request, "Too many requests. Please wait a minute.", 429)
    try:
        form = await request.form(max_files=0, max_fields=MAX_IDS_PER_BEACON + 5)
    except HTTPException:
        return _error(request, "The form could not be read.", 400)
    kind, visit = form.get("kind"), form.get("visit")
    ids = _article_ids(form)
    if kind not in set(DeflectionKind) or not isinstance(visit, str) or not _VISIT.match(visit):
        return _error(request, "Unknown kind or visit.", 400)
    if ids is None:
        return _error(request, "Too many or malformed article ids.", 400)
    record_public(request.app.state.db, str(kind), ids, visit)
    return Response(status_code=204)


def record_public(db: Database, kind: str, ids: list[int], visit: str) -> None:
    with db.session() as session:
        count_deflection(session, kind, ids, visit)


def record_opened_link(db: Database, params: QueryParams, article_id: int) -> None:
    """For the article page: a visit that arrived by a suggestion's link (``?from=suggest&visit=V``)
    counts as opened, so customers without JavaScript are counted too."""
    visit = params.get("visit", "")
    if params.get("from") == "suggest" and _VISIT.match(visit):
        record_public(db, DeflectionKind.opened, [article_id], visit)


def new_visit() -> str:
    """A visit id for a page rendered on the server (the search-first step without JavaScript)."""
    return secrets.token_urlsafe(12)


def form_context(request: Request, query: str) -> dict[str, Any]:
    """What the request form shows for the search-first step: ``?q=`` on ``/requests/new``."""
    locale = kb_locale(request_locale(request))
    db: Database = request.app.state.db
    found = public_suggestions(db, request.app.state.settings, query, locale)
    visit = new_visit()
    record_public(db, DeflectionKind.suggested, [s.id for s in found], visit)
    return {"search_query": query[:MAX_QUERY], "suggestions": found, "visit": visit}


routes = [
    Route("/help/suggest", suggest, methods=["GET"]),
    Route("/help/deflection", deflection_beacon, methods=["POST"]),
]
