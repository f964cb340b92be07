"""Reads for bulk actions: every ticket of a queue filter, and a run as its page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import BulkRun, Macro, Role, Ticket, User
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.queue import SORTS, TicketFilter, _conditions


def filter_ticket_ids(session: Session, user: User, f: TicketFilter,
                      limit: int) -> tuple[list[int], int]:
    """The ids of every ticket of the filter that ``user`` sees (all pages, in the queue's
    order), at most ``limit``, and how many match in all (counted only past ``limit``, so
    the run can say it took the first ``limit`` of them)."""
    conditions = _conditions(session, user, f)
    query = select(col(Ticket.id)).where(*conditions)
    query = query.order_by(*SORTS.get(f.sort, SORTS["updated"])).limit(limit + 1)
    ids = [i for i in session.exec(query) if i is not None]
    if len(ids) <= limit:
        return ids, len(ids)
    matched = session.exec(select(func.count()).select_from(Ticket).where(*conditions)).one()
    return ids[:limit], int(matched)


@dataclass(frozen=True)
class BulkView:
    run: BulkRun
    macro_name: str | None


def access_bulk_run(session: Session, user: User, bulk_id: int) -> BulkView:
    """A run as its page shows it: its agent's own, or any for supervisors and admins."""
    run = session.get(BulkRun, bulk_id)
    if run is None:
        raise NotFound(bulk_id)
    if run.user_id != user.id and user.role not in (Role.supervisor, Role.admin):
        raise Forbidden(bulk_id)
    macro = session.get(Macro, run.changes["macro_id"]) if "macro_id" in run.changes else None
    return BulkView(run, macro.name if macro else None)
