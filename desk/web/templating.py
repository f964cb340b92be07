"""Jinja2 pages, translated per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from desk import ROOT
from desk.i18n import LOCALE_NAMES, translations
from desk.models.base import now
from desk.queries.sla import CLOCK_LABELS
from desk.queries.tickets.follow_ups import unread_count
from desk.queries.tickets.queue import SIDE_COUNT_CAP
from desk.web import labels
from desk.web.due import TimeLeft, time_left
from desk.web.duty import availability_now, covering_now, duty_for, states_now
from desk.web.files import human_size, preview_kind

env = Environment(
    loader=FileSystemLoader(ROOT / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    auto_reload=False,
)
env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
def count_label(count: int, cap: int = SIDE_COUNT_CAP) -> str:
    """A view's size; counts stop at `cap` (the side bar's SIDE_COUNT_CAP unless given: a
    page's COUNT_CAP, a search's SEARCH_COUNT_CAP), shown as '1000+'."""
    return f"{cap}+" if count >= cap else str(count)


env.filters["count_label"] = count_label


@pass_context
def _file_size(context: Context, size: int) -> str:
    return human_size(size, context.get("_") or translator("en"))


env.filters["human_size"] = _file_size


@pass_context
def _time_left(context: Context, due: datetime) -> TimeLeft:
    return time_left(due, now(), context.get("_") or translator("en"))


env.filters["time_left"] = _time_left
env.filters["preview_kind"] = preview_kind


def unread_notifications(request: Request) -> int:
    """The signed-in agent's unread notifications for the top bar (at most UNREAD_CAP)."""
    user = request.scope.get("desk.user")
    if user is None or user.id is None:
        return 0
    with request.app.state.db.session() as session:
        return unread_count(session, user.id)


env.globals["unread_notifications"] = unread_notifications
env.globals.update(duty_for=duty_for, availability_now=availability_now, covering_now=covering_now,
                   states_now=states_now)
env.globals.update(
    status_labels=labels.STATUS,
    priority_labels=labels.PRIORITY,
    channel_labels=labels.CHANNEL,
    view_labels=labels.VIEW,
    sort_labels=labels.SORT,
    role_labels=labels.ROLE,
    tier_labels=labels.TIER,
    field_error_labels=labels.FIELD_ERROR,
    action_labels=labels.ACTION,
    clock_labels=CLOCK_LABELS,
    field_labels=labels.FIELD,
)


def translator(locale: str) -> Callable[..., str]:
    trans = translations(locale)

    def _(message: str, **params: Any) -> str:
        text = trans.gettext(message)
        return text % params if params else text

    return _


def request_locale(request: Request) -> str:
    locale = request.scope.get("desk.locale")
    return locale if isinstance(locale, str) else "en"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    locale = request_locale(request)
    context.setdefault("user", request.scope.get("desk.user"))
    html = env.get_template(template).render(
        request=request,
        _=translator(locale),
        locale=locale,
        locale_names=LOCALE_NAMES,
        csrf_token=request.scope.get("desk.csrf", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
