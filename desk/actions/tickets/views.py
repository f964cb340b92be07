"""Saving and deleting views of the queue (a named filter and sort), personal or shared."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.ingest.cleaning import one_line
from desk.actions.input_errors import InputError
from desk.db import commit
from desk.i18n import _
from desk.models import Role, Team, User
from desk.models.views import SavedView
from desk.queries.tickets.queue import team_ids
from desk.queries.tickets.views import may_delete

NAME_MAX = 100


class ViewError(InputError):
    """A view that cannot be saved; ``field`` is "name" or "team"."""


def save_view(session: Session, user: User, name: str, query: str,
              team_id: int | None) -> SavedView:
    """A new view of ``query`` (the queue's filter as a query string) named ``name``: the
    user's own, or shared with ``team_id`` (a team of theirs; supervisors and admins any).
    Commits; raises ViewError."""
    name = one_line(name).strip()
    if not name:
        raise ViewError("name", _("Give the view a name."))
    if len(name) > NAME_MAX:
        raise ViewError("name", _("A view's name is at most %(max)s characters."), max=str(NAME_MAX))
    if len(query) > 2000:
        raise ViewError("name", _("This filter is too long to keep."))
    if team_id is not None:
        if session.get(Team, team_id) is None:
            raise ViewError("team", _("This team no longer exists."))
        if user.role not in (Role.supervisor, Role.admin) and team_id not in team_ids(session, user):
            raise ViewError("team", _("Share views only with a team you belong to."))
    assert user.id is not None
    view = SavedView(name=name, owner_id=user.id, team_id=team_id, query=query)
    session.add(view)
    commit(session)
    return view


def delete_view(session: Session, user: User, view: SavedView) -> None:
    """Remove ``view`` (its maker; supervisors and admins for a shared one); commits."""
    if not may_delete(user, view):
        raise ViewError("name", _("Only whoever made this view can delete it."))
    session.delete(view)
    commit(session)
