"""The kanban board of any view: a column per status, each paged; a card moves through the
same change the ticket page saves (a drag with JavaScript, a move menu on each card without)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.tickets.moves import MoveRefused, allowed_statuses, move_ticket
from desk.queries.tickets.board import COLUMNS, board_columns
from desk.queries.tickets.queue import TicketFilter, access_ticket, filter_from_params
from desk.queries.tickets.views import FILTER_PARAMS, view_query
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render, request_locale, translator

PAGE_KEYS = tuple(f"page_{s}" for s in COLUMNS)


def _board_query(params: ImmutableMultiDict[str, str] | dict[str, str]) -> str:
    """The board's own query string: the filter, the saved view it came from, column pages."""
    query = view_query(params)
    extra = [(k, str(params.get(k))) for k in ("saved", *PAGE_KEYS)
             if _whole(params.get(k)) is not None]
    return "&".join(p for p in (query, urlencode(extra)) if p)


def _whole(value: object) -> int | None:
    """A page number or id from the query string; None for anything else (Unicode digits,
    signs, numbers past any id)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


def _filter(params: ImmutableMultiDict[str, str] | dict[str, str]) -> TicketFilter:
    f = filter_from_params(params)
    if f.view is None and not any(params.get(k) for k in FILTER_PARAMS if k not in ("view", "sort")):
        f.view = "all_open"
    return f


def _render_board(request: Request, params: ImmutableMultiDict[str, str] | dict[str, str],
                  status_code: int = 200, error: str = "") -> Response:
    user = staff(request)
    f = _filter(params)
    pages = {s: min(n, 10000) for s in COLUMNS if (n := _whole(params.get(f"page_{s}")) or 0) > 0}
    with db_of(request).session() as session:
        columns = board_columns(session, user, f, pages)
    query = _board_query(params)

    def page_url(status: str, number: int) -> str:
        kept = [(k, v) for k, v in parse_qsl(query) if k != f"page_{status}"]
        return "/agent/board?" + urlencode([*kept, (f"page_{status}", number)])

    return render(
        request, "tickets/board.html", status_code=status_code, columns=columns, f=f,
        query=query, filter_query=view_query(params), page_url=page_url, error=error,
        allowed=lambda ticket: allowed_statuses(user, ticket),
    )


async def board(request: Request) -> Response:
    return _render_board(request, request.query_params)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def move(request: Request) -> Response:
    """POST status (and back, the board's query string): the ticket moved, or refused with
    the reason (400), as JSON for the board's script or the board page again."""
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    status = str(form.get("status") or "")
    raw_version = str(form.get("version") or "")
    seen = int(raw_version) if raw_version.isascii() and raw_version.isdigit() \
        and len(raw_version) < 11 else None
    back = dict(parse_qsl(str(form.get("back") or "")))
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        try:
            move_ticket(session, Actor.of_user(user), user, ticket, status, seen)
        except MoveRefused as exc:
            message = translator(request_locale(request))(exc.message, **exc.params)
            if _wants_json(request):
                session.refresh(ticket)
                return JSONResponse({"error": message, "ticket": number, "status": ticket.status,
                                     "version": ticket.version},
                                    status_code=409 if exc.field == "version" else 400)
            return _render_board(request, back, 400, error=message)
        version = ticket.version
    if _wants_json(request):
        return JSONResponse({"ticket": number, "status": status, "version": version})
    return RedirectResponse(f"/agent/board?{_board_query(back)}#ticket-{number}", status_code=303)


routes = [
    Route("/agent/board", board, methods=["GET"]),
    Route("/agent/board/move/{number:id}", move, methods=["POST"]),
]
