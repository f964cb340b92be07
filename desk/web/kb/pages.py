"""The writers' pages: the article list, the editor with a preview, revisions, categories,
the synonym list and who may write.

Every staff member may read here (internal and draft articles too); writing needs
``can_write`` (supervisors, admins, agents given the right), checked on every POST.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from markupsafe import Markup
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.kb.articles import ArticleInput, KbError, can_write
from desk.actions.kb.editor import (
    save_article_changes,
    save_new_article,
    save_new_category,
    save_synonym_list,
)
from desk.actions.users import save_kb_writer
from desk.i18n import _
from desk.kb_index import refresh_synonyms
from desk.models import Article, Role, User
from desk.queries.kb.articles import (
    ArticleFilter,
    article_for,
    categories,
    list_articles,
    revisions,
    translation_choices,
    translations,
)
from desk.queries.kb.synonyms import current_synonyms
from desk.queries.users import active_agents, get_user
from desk.web.auth import check_csrf, db_of, staff
from desk.web.kb.help import KB_LOCALE_NAMES, KB_LOCALES, article_url, category_name
from desk.web.templating import render
from knowledge_base.markdown import to_html

STATUSES = ("draft", "published", "archived")
VISIBILITIES = ("public", "internal")
FIELDS = ("title", "body_markdown", "locale", "category_id", "tags", "status", "visibility",
          "translation_of")
PER_PAGE = 50
MAX_ID = 2**31 - 1
KB_STATUS = {"draft": _("Draft"), "published": _("Published"), "archived": _("Archived")}
KB_VISIBILITY = {"public": _("Public"), "internal": _("Internal (agents only)")}


def _id(raw: object) -> int | None:
    value = str(raw or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID else None


def filter_from(params: dict[str, str]) -> ArticleFilter:
    status = params.get("status", "")
    locale = params.get("locale", "")
    return ArticleFilter(status=status if status in STATUSES else None,
                         locale=locale if locale in KB_LOCALES else None,
                         category_id=_id(params.get("category")),
                         text=params.get("q", "")[:200].strip())


def _render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    return render(request, template, status_code=status_code, kb_locales=KB_LOCALE_NAMES,
                  statuses=STATUSES, visibilities=VISIBILITIES, article_url=article_url,
                  kb_status_labels=KB_STATUS, kb_visibility_labels=KB_VISIBILITY,
                  category_name=category_name, **context)


def _writer(request: Request) -> User:
    user = staff(request)
    if not can_write(user):
        raise HTTPException(403, _("Only knowledge-base writers may change articles."))
    return user


def _article_or_404(session: Session, article_id: int) -> Article:
    article = article_for(session, article_id, include_unpublished=True,
                          include_internal=True) if article_id <= MAX_ID else None
    if article is None:
        raise HTTPException(404, _("There is no such article."))
    return article


async def index(request: Request) -> Response:
    user = staff(request)
    params = dict(request.query_params)
    f = filter_from(params)
    with db_of(request).session() as session:
        articles = list_articles(session, f, limit=PER_PAGE, before=_id(params.get("before")))
        cats = categories(session)
    older = None
    if len(articles) == PER_PAGE:
        kept = {k: v for k, v in params.items() if k in ("status", "locale", "category", "q") and v}
        older = "/agent/kb/?" + urlencode({**kept, "before": articles[-1].id})
    return _render(request, "kb/list.html", articles=articles, f=f, cats=cats,
                   cat_names={c.id: category_name(c, "en") for c in cats},
                   can_write=can_write(user), older=older)


def _values_of(article: Article) -> dict[str, str]:
    return {"title": article.title, "body_markdown": article.body_markdown,
            "locale": article.locale, "category_id": str(article.category_id or ""),
            "tags": ", ".join(article.tags), "status": article.status,
            "visibility": article.visibility, "translation_of": ""}


def _input_of(values: dict[str, str]) -> ArticleInput:
    tags = [t.strip() for t in values["tags"].replace("，", ",").split(",") if t.strip()]
    return ArticleInput(title=values["title"], body_markdown=values["body_markdown"],
                        locale=values["locale"] or "en", category_id=_id(values["category_id"]),
                        tags=tags, status=values["status"] or "draft",
                        visibility=values["visibility"] or "public",
                        translation_of=_id(values["translation_of"]))


def _form_values(form: FormData) -> dict[str, str]:
    values = {k: str(form.get(k, "")) for k in FIELDS}
    # Browsers send CRLF; keep the Markdown as typed otherwise.
    values["body_markdown"] = values["body_markdown"].replace("\r\n", "\n")
    return {k: (v if k == "body_markdown" else v.strip()) for k, v in values.items()}


def _form(request: Request, article: Article | None, values: dict[str, str],
          status_code: int = 200, error: KbError | None = None, preview: str | None = None) -> Response:
    with db_of(request).session() as session:
        cats = categories(session)
        others = translation_choices(session, article.id if article else None)
    return _render(request, "kb/form.html", status_code=status_code, article=article,
                   values=values, error=error, cats=cats, others=others, can_write=True,
                   preview=Markup(preview) if preview is not None else None)  # noqa: S704


async def new_form(request: Request) -> Response:
    _writer(request)
    values = {k: "" for k in FIELDS} | {"locale": "en", "status": "draft", "visibility": "public"}
    return _form(request, None, values)


async def _save(request: Request, article_id: int | None) -> Response:
    user = _writer(request)
    form = await request.form()
    check_csrf(request, form)
    values = _form_values(form)
    with db_of(request).session() as session:
        article = _article_or_404(session, article_id) if article_id else None
        if form.get("action") == "preview":
            return _form(request, article, values, preview=to_html(values["body_markdown"]))
        actor = Actor.of_user(user)
        try:
            if article is None:
                article = save_new_article(session, actor, user, _input_of(values))
            else:
                save_article_changes(session, actor, user, article, _input_of(values))
        except KbError as exc:
            return _form(request, article, values, 400, error=exc)
        return RedirectResponse(f"/agent/kb/{article.id}?saved=1", status_code=303)


async def create(request: Request) -> Response:
    return await _save(request, None)


async def edit_form(request: Request) -> Response:
    _writer(request)
    with db_of(request).session() as session:
        article = _article_or_404(session, request.path_params["article_id"])
    return _form(request, article, _values_of(article))


async def update(request: Request) -> Response:
    return await _save(request, request.path_params["article_id"])


async def view(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        article = _article_or_404(session, request.path_params["article_id"])
        others = [t for t in translations(session, article, include_unpublished=True,
                                          include_internal=True) if t.id != article.id]
        cats = {c.id: c for c in categories(session)}
    return _render(request, "kb/article.html", article=article, translations=others,
                   category=cats.get(article.category_id), can_write=can_write(user),
                   html=Markup(to_html(article.body_markdown)),  # noqa: S704 - sanitised by nh3
                   saved=request.query_params.get("saved") == "1")


async def history(request: Request) -> Response:
    staff(request)
    with db_of(request).session() as session:
        article = _article_or_404(session, request.path_params["article_id"])
        rows = revisions(session, article.id or 0)
    return _render(request, "kb/revisions.html", article=article, revisions=rows)


def _categories_page(request: Request, user: User, status_code: int = 200,
                     error: KbError | None = None, values: dict[str, str] | None = None) -> Response:
    with db_of(request).session() as session:
        cats = categories(session)
    return _render(request, "kb/categories.html", status_code=status_code, cats=cats,
                   error=error, values=values or {}, can_write=can_write(user),
                   top=[c for c in cats if c.parent_id is None])


async def categories_page(request: Request) -> Response:
    return _categories_page(request, staff(request))


async def add_category(request: Request) -> Response:
    user = _writer(request)
    form = await request.form()
    check_csrf(request, form)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "name_zh", "parent_id")}
    with db_of(request).session() as session:
        try:
            save_new_category(session, Actor.of_user(user), values["name"], values["name_zh"],
                              _id(values["parent_id"]))
        except KbError as exc:
            return _categories_page(request, user, 400, exc, values)
    return RedirectResponse("/agent/kb/categories", status_code=303)


async def synonyms_page(request: Request) -> Response:
    staff(request, Role.supervisor)
    with db_of(request).session() as session:
        text = current_synonyms(session)
    return _render(request, "kb/synonyms.html", text=text, error=None,
                   saved=request.query_params.get("saved") == "1")


async def save_synonyms_page(request: Request) -> Response:
    user = staff(request, Role.supervisor)
    form = await request.form()
    check_csrf(request, form)
    text = str(form.get("text", "")).replace("\r\n", "\n")
    with db_of(request).session() as session:
        try:
            save_synonym_list(session, Actor.of_user(user), text)
        except KbError as exc:
            return _render(request, "kb/synonyms.html", status_code=400, text=text,
                           error=exc, saved=False)
    # This process uses the new list at once; others within seconds.
    await asyncio.to_thread(refresh_synonyms, db_of(request), request.app.state.settings)
    return RedirectResponse("/agent/kb/synonyms?saved=1", status_code=303)


async def writers_page(request: Request) -> Response:
    staff(request, Role.admin)
    with db_of(request).session() as session:
        users = active_agents(session)
    return _render(request, "kb/writers.html", users=users)


async def set_writer(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        target = get_user(session, request.path_params["user_id"])
        if target is None:
            raise HTTPException(404, _("There is no such user."))
        save_kb_writer(session, Actor.of_user(admin), target, form.get("kb_writer") == "on")
    return RedirectResponse("/agent/kb/writers", status_code=303)


routes = [
    Route("/agent/kb/", index, methods=["GET"]),
    Route("/agent/kb", lambda request: RedirectResponse("/agent/kb/", status_code=307)),
    Route("/agent/kb/new", new_form, methods=["GET"]),
    Route("/agent/kb/new", create, methods=["POST"]),
    Route("/agent/kb/categories", categories_page, methods=["GET"]),
    Route("/agent/kb/categories", add_category, methods=["POST"]),
    Route("/agent/kb/synonyms", synonyms_page, methods=["GET"]),
    Route("/agent/kb/synonyms", save_synonyms_page, methods=["POST"]),
    Route("/agent/kb/writers", writers_page, methods=["GET"]),
    Route("/agent/kb/writers/{user_id:id}", set_writer, methods=["POST"]),
    Route("/agent/kb/{article_id:id}", view, methods=["GET"]),
    Route("/agent/kb/{article_id:id}/edit", edit_form, methods=["GET"]),
    Route("/agent/kb/{article_id:id}/edit", update, methods=["POST"]),
    Route("/agent/kb/{article_id:id}/revisions", history, methods=["GET"]),
]
