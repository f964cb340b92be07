"""The agent's queue: views with live counts, filters, sorting, paging."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.users import AVAILABILITY, choose_availability, choose_locale
from desk.i18n import LOCALES
from desk.live.notices import availability_changed
from desk.live.relay import send
from desk.models import Channel, Priority, Status
from desk.queries.chat import live_chats
from desk.queries.macros import usable_macros
from desk.queries.sla import paused_tickets
from desk.queries.tickets.queue import TIERS, VIEWS, filter_from_params, list_tickets, view_counts
from desk.queries.users import active_agents, list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render
from desk.web.tickets.search import search_marks
from desk.web.tickets.views import side_bar


async def queue(request: Request) -> Response:
    user = staff(request)
    params = request.query_params
    f = filter_from_params(params)
    if f.view is None and not any(params.get(k) for k in ("status", "tag", "customer", "team",
                                                              "assignee", "priority", "channel",
                                                              "tier", "q", "covering")):
        f.view = "my_open"
    with db_of(request).session() as session:
        page = list_tickets(session, user, f)
        marks = search_marks(session, page, f.q) if f.q else None
        counts = view_counts(session, user)
        side = side_bar(session, user, params)
        teams = list_teams(session)
        agents = active_agents(session)
        macros = usable_macros(session, user)
        live = live_chats(session, [t.id for t in page.tickets if t.channel == "chat" and t.id])
        paused = paused_tickets(session, [t.id for t in page.tickets if t.id and t.next_due_at is None])
    names = {u.id: u.name for u in agents}
    team_names = {t.id: t.name for t in teams}
    kept = {k: v for k, v in params.items() if k != "page" and v}

    def page_url(number: int) -> str:
        return "/agent/?" + urlencode({**kept, "page": number})

    return render(
        request, "tickets/queue.html", page=page, counts=counts, views=VIEWS, f=f, marks=marks,
        teams=teams, agents=agents, names=names, team_names=team_names,
        statuses=[s.value for s in Status], priorities=[p.value for p in Priority],
        channels=[c.value for c in Channel], tiers=TIERS, params=params, macros=macros,
        prev_url=page_url(page.page - 1) if page.page > 1 else None,
        next_url=page_url(page.page + 1) if page.has_next else None, side=side,
        live_chats=live, paused=paused,
    )


def _back(request: Request) -> Response:
    """To the page the top bar's form was sent from (its path only: never another site)."""
    back = request.headers.get("referer", "/agent/")
    path = "/" + back.split("://", 1)[-1].split("/", 1)[-1] if "://" in back else "/agent/"
    return RedirectResponse(path, status_code=303)


async def availability(request: Request) -> Response:
    """Available or away: away takes no chats and no automatic assignments."""
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    state = str(form.get("availability", ""))
    if state in AVAILABILITY:
        with db_of(request).session() as session:
            assert user.id is not None
            choose_availability(session, Actor.of_user(user), user.id, state)
        # Open chat widgets switch between "chat now" and "leave a message" without a reload.
        await asyncio.to_thread(send, db_of(request), request.app.state.live,
                                [availability_changed()])
    return _back(request)


async def preferences(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    locale = str(form.get("locale", ""))
    if locale in LOCALES:
        with db_of(request).session() as session:
            assert user.id is not None
            choose_locale(session, Actor.of_user(user), user.id, locale)
    return _back(request)


routes = [
    Route("/agent/", queue),
    Route("/agent", lambda request: RedirectResponse("/agent/", status_code=307)),
    Route("/agent/preferences", preferences, methods=["POST"]),
    Route("/agent/availability", availability, methods=["POST"]),
]
