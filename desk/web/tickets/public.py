"""The customer's side: the public request form and the request's own page."""

from __future__ import annotations

import time
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.webform import HONEYPOT, MAX_LENGTHS, message_errors, validate_request
from desk.actions.ingest.one import reply_from_private_page
from desk.db import Database
from desk.form_intake import FormIntake
from desk.i18n import LOCALES, _
from desk.links import read_request_token, read_submission_token, request_token, submission_token
from desk.models import Attachment, Customer, Direction, SubmissionStatus, Ticket
from desk.queries.surveys.answering import latest_sent_survey
from desk.queries.surveys.settings import survey_settings
from desk.queries.tickets.messages import attachment_of, conversation
from desk.queries.tickets.requests import bytes_sent_today, get_request, submission_state
from desk.settings import Settings
from desk.survey_links import survey_expired, survey_token
from desk.web.files import stored_response
from desk.web.kb.deflection import form_context
from desk.web.middleware import LOCALE_COOKIE
from desk.web.multipart import read_form
from desk.web.ratelimit import SlidingWindow
from desk.web.templating import render, request_locale
from desk.web.uploads import read_uploads, upload_limits

RECEIVED_WAIT_SECONDS = 10.0  # a stored request's page waits this long for its ticket
RECEIVED_POLL_SECONDS = 0.25  # reading the ledger again this often meanwhile

# Content types a browser could run if served as they are; sent as plain downloads.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                "application/xml", "text/javascript", "application/javascript")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _limiter(request: Request) -> SlidingWindow:
    state = request.app.state
    if state.rate_limiter is None:
        state.rate_limiter = SlidingWindow(state.settings.form_rate_limit, 60.0)
    limiter: SlidingWindow = state.rate_limiter
    return limiter


def _form_page(request: Request, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200, **extra: Any) -> Response:
    s = _settings(request)
    return render(request, "public/new_request.html", status_code=status_code, values=values,
                  errors=errors, honeypot=HONEYPOT, max_mb=s.max_attachment_bytes // (1024 * 1024),
                  max_files=s.max_attachments, **extra)


async def new_request(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    if query:  # the search-first step (no JavaScript): suggestions above the form
        found = form_context(request, query)
        return _form_page(request, {"subject": found["search_query"]}, {}, **found)
    # The blank form is the same for everyone in a language: render it once.
    cache: dict[str, bytes] = request.app.state.page_cache
    locale = request_locale(request)
    body = cache.get(locale)
    if body is None:
        body = cache[locale] = bytes(_form_page(request, {}, {}).body)
    return Response(body, media_type="text/html")


async def _read_form(request: Request) -> FormData:
    try:
        return await read_form(request, max_files=100, max_fields=50)
    except HTTPException as exc:
        raise HTTPException(400, _("The form could not be read.")) from exc


async def submit_request(request: Request) -> Response:
    settings = _settings(request)
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client):
        return render(request, "public/rate_limited.html", status_code=429)
    form = await _read_form(request)
    uploads = await read_uploads(form, "attachments", settings.max_attachment_bytes)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    result = validate_request(
        fields, uploads.files,
        upload_limits(settings),
        uploads.oversize, locale=request_locale(request),
    )
    if result.is_spam:
        # Look like success to the robot; nothing is stored.
        return render(request, "public/received_spam.html")
    if result.message is None:
        return _form_page(request, result.values, result.errors, status_code=400)
    form_intake: FormIntake | None = request.app.state.form_intake
    if form_intake is not None:  # desk serve: stored now, a ticket moments later
        request_id = await form_intake.submit(result.message)
        token = submission_token(str(settings.secret_key), form_intake.spool.id, request_id)
        return RedirectResponse(f"/requests/received/{token}", status_code=303)
    opened = await request.app.state.intake.submit(result.message)
    return RedirectResponse(f"/requests/{opened.token}?received=1", status_code=303)


async def received_request(request: Request) -> Response:
    """A stored request's page: the ticket's, as soon as the intake has opened it."""
    found = read_submission_token(str(_settings(request).secret_key), request.path_params["token"])
    form_intake: FormIntake | None = request.app.state.form_intake
    if found is None or form_intake is None or found[0] != form_intake.spool.id:
        raise HTTPException(404, _("This link is not valid."))
    request_id = found[1]
    state = _submission(request, form_intake.spool.id, request_id)
    deadline = time.monotonic() + RECEIVED_WAIT_SECONDS
    while state is None and time.monotonic() < deadline:
        # Not taken yet: this process's intake reports it in a moment (another desk serve's
        # on the same data folder does not report here, so the ledger is read again too).
        await form_intake.wait(request_id, RECEIVED_POLL_SECONDS)
        state = _submission(request, form_intake.spool.id, request_id)
    status, token = state or ("pending", "")
    if status == SubmissionStatus.done and token:
        return RedirectResponse(f"/requests/{token}?received=1", status_code=303)
    return render(request, "public/received.html", state=status)


def _submission(request: Request, spool: str, request_id: int) -> tuple[str, str] | None:
    with request.app.state.db.session() as session:
        return submission_state(session, spool, request_id)


def _load(request: Request) -> tuple[str, Ticket, Customer]:
    token = request.path_params["token"]
    ids = read_request_token(_settings(request).secret_key, token)
    if ids is None:
        raise HTTPException(404, _("This link is not valid."))
    with request.app.state.db.session() as session:
        found = get_request(session, ids[0], ids[1])
    if found is None:
        raise HTTPException(404, _("This link is not valid."))
    return token, *found


async def view_request(request: Request) -> Response:
    token, ticket, customer = _load(request)
    assert ticket.id is not None and customer.id is not None
    if ticket.merged_into_id is not None:
        # Merged by the desk: the conversation (and the reply form) are on the other ticket.
        target = request_token(_settings(request).secret_key, ticket.merged_into_id, customer.id)
        return RedirectResponse(f"/requests/{target}", status_code=303)
    with request.app.state.db.session() as session:
        items = conversation(session, ticket.id, public_only=True)
        survey = latest_sent_survey(session, ticket.id)
        ratings = survey_settings(session, _settings(request)).ratings
    survey_path = None
    # The survey's question and answers, as its mail asks them, while its 30 days last.
    if survey is not None and survey.id is not None and not survey_expired(survey.sent_at):
        survey_path = "/surveys/" + survey_token(_settings(request).secret_key, survey.id, ticket.id)
    return render(request, "public/request.html", ticket=ticket, customer=customer, items=items,
                  token=token, received=request.query_params.get("received") == "1",
                  errors={}, values={}, survey=survey, survey_path=survey_path,
                  survey_ratings=ratings)


async def reply_to_request(request: Request) -> Response:
    token, ticket, customer = _load(request)
    assert ticket.id is not None and customer.id is not None
    settings = _settings(request)
    # Like the form: so many replies a minute from one address, and as many by one link.
    client = request.client.host if request.client else "unknown"
    limiter = _limiter(request)
    if not (limiter.allow(client) and limiter.allow(f"request:{ticket.id}")):
        return render(request, "public/rate_limited.html", status_code=429)
    form = await _read_form(request)
    uploads = await read_uploads(form, "attachments", settings.max_attachment_bytes)
    text = str(form.get("message", "")).strip()
    errors = message_errors("message", text, MAX_LENGTHS["message"], len(uploads.files),
                            uploads.oversize, upload_limits(settings))
    if uploads.files and "attachments" not in errors:
        with request.app.state.db.session() as session:
            sent = bytes_sent_today(session, ticket.id, customer.id)
        if sent + sum(len(f.data) for f in uploads.files) > daily_link_bytes(settings):
            errors["attachments"] = "daily_files_full"
    if errors:
        assert ticket.id is not None
        with request.app.state.db.session() as session:
            items = conversation(session, ticket.id, public_only=True)
        return render(request, "public/request.html", status_code=400, ticket=ticket,
                      customer=customer, items=items, token=token, received=False,
                      errors=errors, values={"message": text})
    assert ticket.id is not None
    with request.app.state.db.session() as session:
        message = reply_from_private_page(session, settings, ticket.id, customer, text,
                                          uploads.files)
    # A closed ticket stays closed: the reply opened a new ticket, whose page the customer sees.
    if message.ticket_id != ticket.id and customer.id is not None:
        token = request_token(settings.secret_key, message.ticket_id, customer.id)
    return RedirectResponse(f"/requests/{token}", status_code=303)


def daily_link_bytes(settings: Settings) -> int:
    """The most one private link may add in attachments a day: one full reply's worth."""
    return settings.max_attachments * settings.max_attachment_bytes


def attachment_response(db: Database, attachment: Attachment) -> Response:
    """Always a download under its real name; never rendered by the browser."""
    media = attachment.content_type
    if media.split(";")[0].strip().lower() in ACTIVE_TYPES:
        media = "application/octet-stream"
    return stored_response(db, attachment, media, "attachment", {
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"})


async def request_attachment(request: Request) -> Response:
    _token, ticket, _customer = _load(request)
    with request.app.state.db.session() as session:
        found = attachment_of(session, request.path_params["attachment_id"])
    attachment, message = found or (None, None)
    if (attachment is None or message is None or message.ticket_id != ticket.id
            or message.direction == Direction.internal):
        raise HTTPException(404, _("Not found."))
    return attachment_response(request.app.state.db, attachment)


async def switch_locale(request: Request) -> Response:
    locale = request.path_params["locale"]
    target = request.query_params.get("next", "/requests/new")
    if not target.startswith("/") or target.startswith("//"):
        target = "/requests/new"
    response = RedirectResponse(target, status_code=303)
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax",
                            secure=_settings(request).base_url.startswith("https://"))
    return response


async def home(request: Request) -> Response:
    return RedirectResponse("/requests/new", status_code=303)


routes = [
    Route("/", home),
    Route("/requests/new", new_request, methods=["GET"]),
    Route("/requests", submit_request, methods=["POST"]),
    Route("/requests/received/{token}", received_request, methods=["GET"]),
    Route("/requests/{token}", view_request, methods=["GET"]),
    Route("/requests/{token}/replies", reply_to_request, methods=["POST"]),
    Route("/requests/{token}/attachments/{attachment_id:id}", request_attachment),
    Route("/locale/{locale}", switch_locale),
]
