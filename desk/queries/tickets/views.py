"""Saved views: which an agent sees in the side bar, each with its live count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import or_
from sqlmodel import Session, col, select

from desk.models import Role, Team, User
from desk.models.views import SavedView
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.queue import (
    SIDE_COUNT_CAP,
    TicketFilter,
    capped_count,
    filter_conditions,
    filter_from_params,
    team_ids,
)

# The queue's parameters a view keeps, in the order its query string is written.
FILTER_PARAMS = ("view", "status", "priority", "team", "assignee", "channel", "tier", "tag",
                 "customer", "covering", "q", "sort")


@dataclass
class ViewCount:
    view: SavedView
    count: int
    team_name: str = ""


def view_query(params: Mapping[str, Any]) -> str:
    """The filter and sort of ``params`` (query parameters or a form) as a query string,
    what the queue reads back: unknown keys, paging and empty values left out."""
    kept = [(name, str(params.get(name)).strip()) for name in FILTER_PARAMS
            if params.get(name) is not None and str(params.get(name)).strip()]
    return urlencode(kept)


def view_filter(view: SavedView) -> TicketFilter:
    """The queue filter a view stands for (read again, so it is checked like a URL)."""
    params = dict(parse_qsl(view.query))
    f = filter_from_params(params)
    if f.view is None and not any(params.get(k) for k in FILTER_PARAMS if k not in ("view", "sort")):
        f.view = "my_open"
    return f


def visible_views(session: Session, user: User) -> list[SavedView]:
    """The user's own views and those shared with a team they belong to, by name."""
    teams = team_ids(session, user)
    query = select(SavedView).where(or_(
        (col(SavedView.owner_id) == user.id) & col(SavedView.team_id).is_(None),
        col(SavedView.team_id).in_(teams)))
    return sorted(session.exec(query), key=lambda v: (v.team_id is not None, v.name.lower()))


def saved_view_counts(session: Session, user: User, cap: int = SIDE_COUNT_CAP) -> list[ViewCount]:
    """Each visible view with how many tickets it holds as ``user`` sees them (at most cap)."""
    views = visible_views(session, user)
    names = {t.id: t.name for t in session.exec(select(Team).where(
        col(Team.id).in_({v.team_id for v in views if v.team_id is not None})))}
    return [ViewCount(v, capped_count(session, filter_conditions(session, user, view_filter(v)), cap),
                      names.get(v.team_id, "") if v.team_id is not None else "")
            for v in views]


def access_view(session: Session, user: User, view_id: int) -> SavedView:
    """A view ``user`` may open: their own, or one shared with a team of theirs."""
    view = session.get(SavedView, view_id)
    if view is None:
        raise NotFound(view_id)
    if view.owner_id == user.id and view.team_id is None:
        return view
    if view.team_id is not None and view.team_id in team_ids(session, user):
        return view
    raise Forbidden(view_id)


def may_delete(user: User, view: SavedView) -> bool:
    """Its maker may delete a view; supervisors and admins also a view shared with a team."""
    return view.owner_id == user.id or (
        view.team_id is not None and user.role in (Role.supervisor, Role.admin))
