"""`/surveys/{token}`: the answer page a survey mail links to.

GET shows the page with the linked answer pre-selected and records nothing: mail scanners
follow links, and a click is not an answer. POST records it; the customer may change it
until the link expires, the last answer counts. The signed token in the address is what a
cross-site form cannot know (as on the private request page); a POST that a browser says
came from another site is refused as well."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.surveys.answers import MAX_COMMENT, check_answer, stop_surveys, submit_answer
from desk.i18n import LOCALES, _, normalise
from desk.models import Customer, Survey, Ticket
from desk.queries.surveys.answering import survey_to_answer
from desk.queries.surveys.settings import survey_settings
from desk.settings import Settings
from desk.survey_links import SurveyLinkExpired, read_survey_token, survey_expired
from desk.web.middleware import LOCALE_COOKIE
from desk.web.templating import render

SURVEY_ERRORS = {
    "scale": _("Choose one of the five answers."),
    "scale3": _("Choose one of the three answers."),
    "too_long": _("This comment is too long."),
}


EXPIRED = _("This survey link has expired: answers are taken for 30 days after a request is "
              "solved.")


def _load(request: Request) -> tuple[str, Survey, Ticket, Customer]:
    settings: Settings = request.app.state.settings
    token = request.path_params["token"]
    try:
        ids = read_survey_token(settings.secret_key, token)
    except SurveyLinkExpired as exc:
        raise HTTPException(410, EXPIRED) from exc
    found = None
    if ids is not None:
        with request.app.state.db.session() as session:
            found = survey_to_answer(session, *ids)
    if found is None:
        raise HTTPException(404, _("This survey link is not valid."))
    survey, ticket, customer = found
    # The 30 days run from the survey's mail, however new the link (the request page makes
    # a fresh one each time it is opened).
    if survey_expired(survey.sent_at):
        raise HTTPException(410, EXPIRED)
    if request.cookies.get(LOCALE_COOKIE) not in LOCALES:
        request.scope["desk.locale"] = normalise(customer.locale)
    return token, survey, ticket, customer


def _ratings(request: Request) -> tuple[int, ...]:
    """The answers the admin's scale offers (5 or 3)."""
    with request.app.state.db.session() as session:
        return survey_settings(session, request.app.state.settings).ratings


def _page(request: Request, token: str, survey: Survey, ticket: Ticket, values: dict[str, str],
          errors: dict[str, str], ratings: tuple[int, ...], status_code: int = 200,
          **extra: object) -> Response:
    return render(request, "surveys/answer.html", status_code=status_code, token=token,
                  survey=survey, ticket=ticket, values=values, errors=errors, ratings=ratings,
                  survey_errors=SURVEY_ERRORS, max_comment=MAX_COMMENT, **extra)


async def show(request: Request) -> Response:
    token, survey, ticket, _customer = _load(request)
    ratings = _ratings(request)
    chosen = request.query_params.get("rating", "")
    if chosen not in {str(r) for r in ratings}:
        chosen = str(survey.rating or "")
    values = {"rating": chosen, "comment": survey.comment}
    return _page(request, token, survey, ticket, values, {}, ratings,
                 thanks=request.query_params.get("thanks") == "1",
                 stopped=request.query_params.get("stopped") == "1")


def _cross_site(request: Request) -> bool:
    return request.headers.get("sec-fetch-site", "") == "cross-site"


async def _read_form(request: Request) -> FormData:
    if _cross_site(request):
        raise HTTPException(403, _("The form has expired or did not come from Desk. "
                                   "Reload the page."))
    try:
        return await request.form(max_files=0, max_fields=10)
    except HTTPException as exc:
        raise HTTPException(400, _("The form could not be read.")) from exc


async def answer(request: Request) -> Response:
    token, survey, ticket, _customer = _load(request)
    form = await _read_form(request)
    values = {name: str(form.get(name, "")) for name in ("rating", "comment")}
    ratings = _ratings(request)
    checked, errors = check_answer(values["rating"], values["comment"], ratings)
    if checked is None:
        return _page(request, token, survey, ticket, values, errors, ratings, status_code=400)
    assert survey.id is not None
    with request.app.state.db.session() as session:
        submit_answer(session, survey.id, checked)
    return RedirectResponse(f"/surveys/{token}?thanks=1", status_code=303)


async def opt_out(request: Request) -> Response:
    token, _survey, _ticket, customer = _load(request)
    await _read_form(request)
    assert customer.id is not None
    with request.app.state.db.session() as session:
        stop_surveys(session, customer.id)
    return RedirectResponse(f"/surveys/{token}?stopped=1", status_code=303)


routes = [
    Route("/surveys/{token}", show, methods=["GET"]),
    Route("/surveys/{token}", answer, methods=["POST"]),
    Route("/surveys/{token}/opt-out", opt_out, methods=["POST"]),
]
