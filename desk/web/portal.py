"""The customer portal: a customer asks for a sign-in link by email and, signed in, sees
all their requests with their state, each opening its private page (reply, attach files,
read the answers), beside the request form and the help centre.

- GET /portal: the requests when signed in, else the address form.
- POST /portal/link: mails a sign-in link to a customer's address (the same answer for an
  address Desk does not know; limited per address and per client).
- GET /portal/enter/{token}: a button that signs in (a mail scanner following the link
  signs nobody in); POST (with the page's CSRF token) signs in once per link: a cookie for
  a week, bound to the address and to a sign-in row that signing out ends.
- GET /portal/requests/{n}: a request of a colleague of the customer's organisation, read
  only, when the organisation shares its requests (`Organization.portal_shared`).
- POST /portal/sign-out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.webform import EMAIL_RE
from desk.actions.audit import Actor
from desk.actions.portal import ask_for_portal_link, end_portal_session, open_portal_session
from desk.i18n import _
from desk.links import (
    PORTAL_SESSION_SECONDS,
    SignatureExpired,
    portal_session,
    read_portal_link,
    read_portal_session,
    request_token,
)
from desk.models import Customer, Direction
from desk.queries.portal import (
    link_used,
    portal_customer,
    portal_request,
    portal_requests,
    portal_signed_in,
)
from desk.queries.tickets.messages import attachment_of, conversation
from desk.settings import Settings
from desk.web.auth import check_csrf, csrf_token
from desk.web.ratelimit import SlidingWindow
from desk.web.templating import render
from desk.web.tickets.public import attachment_response

COOKIE = "desk_portal"
LINKS_PER_ADDRESS = 3  # an hour
LINKS_PER_CLIENT = 10  # an hour


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _limiters(request: Request) -> tuple[SlidingWindow, SlidingWindow]:
    """Links asked for in the last hour: by client, by address."""
    state = request.app.state
    found: tuple[SlidingWindow, SlidingWindow] | None = getattr(state, "portal_limiters", None)
    if found is None:
        found = state.portal_limiters = (SlidingWindow(LINKS_PER_CLIENT, 3600.0),
                                         SlidingWindow(LINKS_PER_ADDRESS, 3600.0))
    return found


def signed_in_customer(request: Request) -> Customer | None:
    raw = request.cookies.get(COOKIE, "")
    found = read_portal_session(str(_settings(request).secret_key), raw) if raw else None
    if found is None:
        return None
    with request.app.state.db.session() as session:
        return portal_signed_in(session, *found)


async def home(request: Request) -> Response:
    csrf_token(request)  # both the sign-in form and the sign-out button carry it
    customer = signed_in_customer(request)
    if customer is None or customer.id is None:
        response = render(request, "portal/sign_in.html", values={}, errors={})
        if request.cookies.get(COOKIE):
            response.delete_cookie(COOKIE, path="/")
        return response
    secret = str(_settings(request).secret_key)
    with request.app.state.db.session() as session:
        rows = portal_requests(session, customer)
    # Their own requests open their private page; a colleague's, its read-only view here.
    links = {t.id: ("/requests/" + request_token(secret, t.id, customer.id)
                    if t.customer_id == customer.id else f"/portal/requests/{t.id}")
             for t, _name in rows if t.id is not None}
    return render(request, "portal/requests.html", customer=customer, rows=rows, links=links,
                  shared=any(t.customer_id != customer.id for t, _name in rows))


async def colleague_request(request: Request) -> Response:
    customer = signed_in_customer(request)
    if customer is None:
        return RedirectResponse("/portal", status_code=303)
    with request.app.state.db.session() as session:
        ticket = portal_request(session, customer, request.path_params["number"])
        if ticket is None or ticket.id is None:
            raise HTTPException(404, _("Not found."))
        items = conversation(session, ticket.id, public_only=True)
    return render(request, "portal/request.html", ticket=ticket, items=items)


async def colleague_attachment(request: Request) -> Response:
    customer = signed_in_customer(request)
    with request.app.state.db.session() as session:
        ticket = portal_request(session, customer, request.path_params["number"]) \
            if customer is not None else None
        found = attachment_of(session, request.path_params["attachment_id"]) if ticket else None
    attachment, message = found or (None, None)
    if (ticket is None or attachment is None or message is None
            or message.ticket_id != ticket.id or message.direction == Direction.internal):
        raise HTTPException(404, _("Not found."))
    return attachment_response(request.app.state.db, attachment)


async def ask_link(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    # Only the sign-in page asks: another site cannot make a visitor's browser mail links.
    check_csrf(request, form)
    csrf_token(request)
    address = str(form.get("email", "")).strip()[:320]
    if not EMAIL_RE.fullmatch(address):
        return render(request, "portal/sign_in.html", status_code=400, values={"email": address},
                      errors={"email": "invalid_email"})
    client = request.client.host if request.client else "unknown"
    by_client, by_address = _limiters(request)
    if not (by_client.allow(client) and by_address.allow(address.lower())):
        return render(request, "public/rate_limited.html", status_code=429)

    def ask() -> bool:
        with request.app.state.db.session() as session:
            return ask_for_portal_link(session, address)

    await run_in_threadpool(ask)
    return render(request, "portal/link_sent.html", address=address)


def _link(request: Request) -> tuple[int, str] | str:
    """The link's (customer id, address), or why it cannot sign in ("expired", "invalid",
    "used")."""
    try:
        found = read_portal_link(str(_settings(request).secret_key), request.path_params["token"])
    except SignatureExpired:
        return "expired"
    if found is None:
        return "invalid"
    with request.app.state.db.session() as session:
        if portal_customer(session, *found) is None:
            return "invalid"
        return "used" if link_used(session, request.path_params["token"]) else found


async def enter_page(request: Request) -> Response:
    csrf_token(request)
    found = _link(request)
    if isinstance(found, str):
        return render(request, "portal/link_refused.html", reason=found,
                      status_code=404 if found == "invalid" else 410)
    return render(request, "portal/enter.html", token=request.path_params["token"])


async def enter(request: Request) -> Response:
    check_csrf(request, await request.form(max_files=0, max_fields=5))
    found = _link(request)
    if isinstance(found, str):
        return render(request, "portal/link_refused.html", reason=found,
                      status_code=404 if found == "invalid" else 410)
    customer_id, address = found
    with request.app.state.db.session() as session:
        customer = portal_customer(session, customer_id, address)
        signed_in = open_portal_session(session, Actor.of_customer(customer),
                                        request.path_params["token"]) if customer else None
    if signed_in is None:
        return render(request, "portal/link_refused.html", reason="used", status_code=410)
    settings = _settings(request)
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(COOKIE, portal_session(str(settings.secret_key), *found, signed_in),
                        max_age=PORTAL_SESSION_SECONDS, path="/", httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"))
    return response


async def sign_out(request: Request) -> Response:
    check_csrf(request, await request.form(max_files=0, max_fields=5))
    raw = request.cookies.get(COOKIE, "")
    found = read_portal_session(str(_settings(request).secret_key), raw) if raw else None
    if found is not None:
        # Ended on the server: a copy of the cookie kept elsewhere opens nothing either.
        with request.app.state.db.session() as session:
            end_portal_session(session, found[2])
    response = RedirectResponse("/portal", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


routes = [
    Route("/portal", home, methods=["GET"]),
    Route("/portal/link", ask_link, methods=["POST"]),
    Route("/portal/enter/{token}", enter_page, methods=["GET"]),
    Route("/portal/enter/{token}", enter, methods=["POST"]),
    Route("/portal/requests/{number:id}", colleague_request, methods=["GET"]),
    Route("/portal/requests/{number:id}/attachments/{attachment_id:id}", colleague_attachment,
          methods=["GET"]),
    Route("/portal/sign-out", sign_out, methods=["POST"]),
]
