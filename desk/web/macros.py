"""Macros: the agent's list (own and shared), the form to write or change one, deleting it,
and a macro filled in for one ticket (the reply box's select asks for it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.macros import MacroError, MacroInput, delete_macro, save_macro
from desk.macro_text import FIELDS
from desk.models import Macro, Status, User
from desk.queries.macros import editable_macro, macro_for_ticket, may_edit, usable_macros
from desk.queries.tickets.queue import access_ticket
from desk.queries.users import active_agents, list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

FORM_FIELDS = ("name", "text_en", "text_zh", "scope", "team_id", "set_status", "add_tags",
               "assignee")


async def index(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        macros = usable_macros(session, user)
        teams = {t.id: t.name for t in list_teams(session)}
    return render(request, "agent/macros.html", macros=macros, teams=teams,
                  editable={m.id for m in macros if may_edit(user, m)})


def _form(request: Request, user: User, data: MacroInput, macro: Macro | None = None,
          errors: dict[str, MacroError] | None = None) -> Response:
    with db_of(request).session() as session:
        teams = list_teams(session)
        agents = active_agents(session)
    return render(request, "agent/macro_form.html", status_code=400 if errors else 200,
                  data=data, macro=macro, errors=errors or {}, teams=teams, agents=agents,
                  statuses=[s.value for s in Status], fields=FIELDS,
                  may_share=user.role in ("supervisor", "admin"))


async def new(request: Request) -> Response:
    user = staff(request)
    return _form(request, user, MacroInput())


async def edit(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        macro = editable_macro(session, user, request.path_params["macro_id"])
    return _form(request, user, MacroInput.of(macro), macro)


async def _input(request: Request) -> MacroInput:
    form = await request.form()
    check_csrf(request, form)
    return MacroInput(**{k: str(form.get(k, ""))[:60_000] for k in FORM_FIELDS})


async def create(request: Request) -> Response:
    user = staff(request)
    data = await _input(request)
    with db_of(request).session() as session:
        saved = save_macro(session, Actor.of_user(user), user, None, data)
    if isinstance(saved, dict):
        return _form(request, user, data, errors=saved)
    return RedirectResponse("/agent/macros", status_code=303)


async def update(request: Request) -> Response:
    user = staff(request)
    data = await _input(request)
    with db_of(request).session() as session:
        macro = editable_macro(session, user, request.path_params["macro_id"])
        saved = save_macro(session, Actor.of_user(user), user, macro, data)
    if isinstance(saved, dict):
        return _form(request, user, data, macro, errors=saved)
    return RedirectResponse("/agent/macros", status_code=303)


async def remove(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        macro = editable_macro(session, user, request.path_params["macro_id"])
        delete_macro(session, Actor.of_user(user), macro)
    return RedirectResponse("/agent/macros", status_code=303)


async def for_ticket(request: Request) -> Response:
    """The macro filled in for this ticket, for the reply box's script: the text in the
    customer's language, and the status it sets."""
    user = staff(request)
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, request.path_params["number"])
        filled = macro_for_ticket(session, user, ticket, request.path_params["macro_id"],
                                  request.app.state.settings.base_url)
    return JSONResponse({"id": filled.macro_id, "text": filled.text, "status": filled.status})


routes = [
    Route("/agent/macros", index, methods=["GET"]),
    Route("/agent/macros", create, methods=["POST"]),
    Route("/agent/macros/new", new, methods=["GET"]),
    Route("/agent/macros/{macro_id:id}", edit, methods=["GET"]),
    Route("/agent/macros/{macro_id:id}", update, methods=["POST"]),
    Route("/agent/macros/{macro_id:id}/delete", remove, methods=["POST"]),
    Route("/agent/tickets/{number:id}/macros/{macro_id:id}", for_ticket, methods=["GET"]),
]
