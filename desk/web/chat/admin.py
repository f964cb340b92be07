"""The admin's chat widgets (`/admin/chat`): list, create, change, the tag to paste into a
site, and the identity secret a site signs its users with. Admins only."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.chat import identity_signature
from desk.actions.audit import Actor
from desk.actions.chat.widgets import WidgetForm, identity_secret, new_identity_secret, save_widget
from desk.i18n import _
from desk.models import ChatWidget, Role
from desk.models.chat import ASK_EMAIL
from desk.queries.chat import widgets
from desk.queries.users import list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

ASK_LABELS = {"before": _("Before the first message"),
              "offline": _("Only when nobody is available"), "never": _("Never")}


def _form_of(form: FormData) -> WidgetForm:
    def text(name: str, limit: int = 5000) -> str:
        return str(form.get(name, ""))[:limit]
    return WidgetForm(name=text("name"), team_id=text("team_id", 20), origins=text("origins", 20000),
                      colour=text("colour", 20), greeting_en=text("greeting_en", 1000),
                      greeting_zh=text("greeting_zh", 1000), ask_email=text("ask_email", 20),
                      enabled=form.get("enabled") == "1")


def _form_from(widget: ChatWidget) -> WidgetForm:
    return WidgetForm(name=widget.name, team_id=str(widget.team_id or ""),
                      origins=widget.origins, colour=widget.colour,
                      greeting_en=widget.greeting_en, greeting_zh=widget.greeting_zh,
                      ask_email=widget.ask_email, enabled=widget.enabled)


def _page(request: Request, form: WidgetForm, widget: ChatWidget | None) -> Response:
    settings = request.app.state.settings
    with db_of(request).session() as session:
        teams = list_teams(session)
        all_widgets = widgets(session)
    secret = identity_secret(str(settings.secret_key), widget) if widget else ""
    return render(request, "admin/chat.html", status_code=400 if form.errors else 200,
                  form=form, widget=widget, widgets=all_widgets, teams=teams,
                  ask_choices=ASK_EMAIL, ask_labels=ASK_LABELS, base_url=settings.base_url,
                  secret=secret, example=identity_signature(secret, "user@example.com")
                  if secret else "")


def _widget(request: Request) -> ChatWidget:
    with db_of(request).session() as session:
        widget = session.get(ChatWidget, request.path_params["widget_id"])
    if widget is None:
        raise HTTPException(404, _("Not found."))
    return widget


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request, WidgetForm(), None)


async def one(request: Request) -> Response:
    staff(request, Role.admin)
    widget = _widget(request)
    return _page(request, _form_from(widget), widget)


async def create(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    checked = _form_of(form)
    with db_of(request).session() as session:
        widget = save_widget(session, Actor.of_user(admin),
                             str(request.app.state.settings.secret_key), None, checked)
    if widget is None:
        return _page(request, checked, None)
    return RedirectResponse(f"/admin/chat/{widget.id}", status_code=303)


async def change(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    checked = _form_of(form)
    widget = _widget(request)
    key = str(request.app.state.settings.secret_key)
    with db_of(request).session() as session:
        if form.get("replace_secret") == "1":
            new_identity_secret(session, Actor.of_user(admin), key, widget)
            return RedirectResponse(f"/admin/chat/{widget.id}", status_code=303)
        saved = save_widget(session, Actor.of_user(admin), key, widget, checked)
    if saved is None:
        return _page(request, checked, widget)
    return RedirectResponse(f"/admin/chat/{widget.id}", status_code=303)


routes = [
    Route("/admin/chat", index, methods=["GET"]),
    Route("/admin/chat", create, methods=["POST"]),
    Route("/admin/chat/{widget_id:id}", one, methods=["GET"]),
    Route("/admin/chat/{widget_id:id}", change, methods=["POST"]),
]
