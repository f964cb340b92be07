"""`/admin/surveys`: the survey settings (admins): the delay after a solve, the scale (five
answers or three), the low-rating threshold and what a low answer does (notify the agent and
supervisors, reopen the ticket). Stored in the database; unset, the environment's defaults."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.surveys.settings import (
    MAX_DELAY_MINUTES,
    SurveySettingsError,
    read_survey_settings,
    save_survey_settings,
)
from desk.i18n import _
from desk.models import Role
from desk.queries.surveys.settings import survey_settings
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

FIELD_ERRORS = {
    "delay": _("Enter a number of minutes from 0 to 10080 (a week)."),
    "scale": _("Choose five answers or three."),
    "low_rating": _("Enter a rating from 0 (no answer is low) to 4."),
}


def _values(request: Request) -> dict[str, str]:
    with db_of(request).session() as session:
        current = survey_settings(session, request.app.state.settings)
    return {k: ("1" if v is True else "" if v is False else str(v)) for k, v in asdict(current).items()}


def _page(request: Request, values: dict[str, str], errors: dict[str, str] | None = None,
          status_code: int = 200, saved: bool = False) -> Response:
    return render(request, "admin/surveys.html", status_code=status_code, values=values,
                  errors=errors or {}, field_errors=FIELD_ERRORS, saved=saved,
                  max_delay=MAX_DELAY_MINUTES)


async def show(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request, _values(request), saved=request.query_params.get("saved") == "1")


async def save(request: Request) -> Response:
    user = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        chosen = read_survey_settings(values)
    except SurveySettingsError as exc:
        return _page(request, values, exc.errors, status_code=422)
    with db_of(request).session() as session:
        before = survey_settings(session, request.app.state.settings)
        save_survey_settings(session, Actor.of_user(user), before, chosen)
    return RedirectResponse("/admin/surveys?saved=1", status_code=303)


routes = [
    Route("/admin/surveys", show, methods=["GET"]),
    Route("/admin/surveys", save, methods=["POST"]),
]
