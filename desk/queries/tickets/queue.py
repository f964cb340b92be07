"""The queue: views, filters, sorting, paging and the permission behind each."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, case, exists, func, literal_column, or_
from sqlmodel import Session, col, select

from desk.models import (
    OPEN_SQL,
    AuditEntry,
    Customer,
    Role,
    Status,
    Team,
    TeamMembership,
    Ticket,
    TicketTag,
    Tier,
    User,
)
from desk.queries.duty import covered_ids, covering_condition
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.newest import NewestSearch
from desk.queries.tickets.ordering import VIP, Band, bands, paged
from desk.queries.tickets.search import (
    every_match,
    recent_floor,
    search_condition,
    search_join,
)

TIERS = tuple(t.value for t in Tier)

VIEWS = ("my_open", "unassigned", "all_open", "pending", "solved")
# Priorities are stored as words; sorting the words would put "high" after "low".
PRIORITY_RANK = case({"urgent": 4, "high": 3, "normal": 2, "low": 1}, value=col(Ticket.priority),
                     else_=0)
SORTS = {
    "updated": (col(Ticket.updated_at).desc(), col(Ticket.id).desc()),
    "oldest": (col(Ticket.updated_at).asc(), col(Ticket.id).asc()),
    "created": (col(Ticket.id).desc(),),
    "priority": (PRIORITY_RANK.desc(), col(Ticket.updated_at).desc()),
    # The SLA's next due time, soonest (or most overdue) first; tickets without one after
    # (queries/tickets/ordering.bands).
    "due": (col(Ticket.next_due_at).asc(), col(Ticket.id).asc()),
}
PAGE_SIZE = 50
# Row ids are 32-bit integer columns (desk.web.ids.MAX_ID).
ROW_ID_LIMIT = 2**31 - 1


@dataclass
class TicketFilter:
    view: str | None = None
    status: str | None = None
    priority: str | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    channel: str | None = None
    tag: str | None = None
    customer_email: str | None = None
    customer_id: int | None = None
    # The customer's tier (vip, standard, prospect): "open VIP tickets".
    tier: str | None = None
    # Words to search for in the subject, every message and the customer (queries/tickets/search).
    q: str | None = None
    # The agent whose open tickets `user` sees while covering for them (queries/duty).
    covering: int | None = None
    sort: str = "updated"
    page: int = 1
    per_page: int = PAGE_SIZE


# Counts stop here: exact counts of huge views would scan them on every page load.
COUNT_CAP = 10_000
# A search's matches are counted no further: "1000+" says as much to a person as "10000+",
# and counting the matches of a common word is most of a search's time on PostgreSQL.
SEARCH_COUNT_CAP = 1_000
# The side bar's counts (every view and saved view, on every queue page) stop here: "1000+"
# tells an agent what "10000+" does, and six counts to 10,000 were a third of a queue page's
# time at a million tickets on PostgreSQL. The page's own total still counts to COUNT_CAP.
SIDE_COUNT_CAP = 1_000


@dataclass
class TicketPage:
    tickets: list[Ticket]
    customers: dict[int, Customer]
    total: int
    page: int
    per_page: int
    has_next: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    cap: int = COUNT_CAP  # `total` stops here (shown as "1000+")


def team_ids(session: Session, user: User) -> list[int]:
    return list(session.exec(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))


def visible_to(session: Session, user: User) -> ColumnElement[bool] | None:
    """The condition limiting tickets to what ``user`` may see; None when everything."""
    if user.role in (Role.supervisor, Role.admin):
        return None
    teams = team_ids(session, user)
    # Tickets nobody has routed yet are the shared triage pool every agent sees.
    return or_(
        col(Ticket.team_id).in_(teams), col(Ticket.team_id).is_(None), col(Ticket.assignee_id) == user.id
    )


# Literal SQL, so the planner can match the partial index ix_ticket_open_updated.
# Untyped on purpose: a Boolean-typed literal renders as "(...) = 1" on SQLite,
# which no index matches.
IS_OPEN: ColumnElement[bool] = literal_column(f"ticket.{OPEN_SQL}")


def view_condition(view: str, user: User) -> ColumnElement[bool]:
    open_ = IS_OPEN
    if view == "my_open":
        return and_(open_, col(Ticket.assignee_id) == user.id)
    if view == "unassigned":
        return and_(open_, col(Ticket.assignee_id).is_(None))
    if view == "pending":
        return col(Ticket.status) == Status.pending
    if view == "solved":
        return col(Ticket.status) == Status.solved
    return open_


def _conditions(session: Session, user: User, f: TicketFilter,
                searching: bool = False) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    access = visible_to(session, user)
    if f.covering is not None:  # a delegate sees the open tickets of whom they cover for
        conds.append(covering_condition(session, user, f.covering))
        access = None
    if access is not None and (searching or bool(f.q)):
        # A search also finds the tickets of teams whose tickets every agent may read.
        readable = readable_team_ids(session)
        if readable:
            access = or_(access, col(Ticket.team_id).in_(readable))
    if access is not None:
        conds.append(access)
    if f.view:
        conds.append(view_condition(f.view, user))
    if f.status:
        conds.append(col(Ticket.status) == f.status)
    if f.priority:
        conds.append(col(Ticket.priority) == f.priority)
    if f.team_id is not None:
        conds.append(col(Ticket.team_id) == f.team_id)
    if f.assignee_id is not None:
        conds.append(col(Ticket.assignee_id) == f.assignee_id)
    if f.channel:
        conds.append(col(Ticket.channel) == f.channel)
    if f.customer_id is not None:
        conds.append(col(Ticket.customer_id) == f.customer_id)
    if f.customer_email:
        sub = select(Customer.id).where(Customer.email == f.customer_email.strip().lower())
        conds.append(col(Ticket.customer_id).in_(sub.scalar_subquery()))
    if f.tier:
        # EXISTS per ticket on the customer's primary key: the view's own order still drives
        # the scan, where an IN over every customer of the tier would read them all.
        conds.append(exists().where(col(Customer.id) == col(Ticket.customer_id),
                                    col(Customer.tier) == f.tier))
    if f.tag:
        tagged = select(TicketTag.ticket_id).where(TicketTag.tag == f.tag.lower())
        conds.append(col(Ticket.id).in_(tagged.scalar_subquery()))
    if f.q:
        conds.append(search_condition(session, f.q))
    return conds


def filter_conditions(session: Session, user: User, f: TicketFilter) -> list[ColumnElement[bool]]:
    """What ``list_tickets`` applies for ``f`` as ``user`` sees it (saved views count with it,
    the board adds a status per column)."""
    return _conditions(session, user, f)


def list_tickets(session: Session, user: User, f: TicketFilter) -> TicketPage:
    """A page of the view, VIP customers' tickets first (queries/tickets/ordering)."""
    order: tuple[ColumnElement[Any], ...] = SORTS.get(f.sort, SORTS["updated"])
    if f.q:
        # Driven by the index (queries/tickets/search): newest first, it stops at the page.
        search = search_join(session, f.q)
        conds = [search.found, *_conditions(session, user, replace(f, q=None), searching=True)]
        source: FromClause = search.source
        order = search.newest_first if f.sort == "created" else order
        counted = (select(col(Ticket.id)).select_from(source).where(*conds) if len(conds) > 1
                   else select(literal_column("1")).select_from(search.index_only)
                   .where(search.found))
    else:
        conds = _conditions(session, user, f)
        source = Ticket.__table__  # type: ignore[attr-defined]
        counted = select(col(Ticket.id)).where(*conds)
    offset = (max(f.page, 1) - 1) * f.per_page
    floor = recent_floor(session) if f.q and f.sort == "created" else None
    # With no filter but who may see what, the matches are read ticket numbers first (most
    # tickets pass the check): queries/tickets/newest.
    unfiltered = not any((f.view, f.status, f.priority, f.team_id is not None,
                          f.assignee_id is not None, f.channel, f.customer_id is not None,
                          f.customer_email, f.tier, f.tag, f.covering is not None))
    cap = SEARCH_COUNT_CAP if f.q else COUNT_CAP
    newest = NewestSearch(session, f.q, floor, conds[1:], cap) if (
        f.q and floor is not None and unfiltered) else None

    def fetch(band: Band, skip: int, limit: int) -> list[Ticket]:
        if floor is None:
            return list(session.exec(select(Ticket).select_from(source).where(*conds, band.where)
                                     .order_by(*(band.order or order)).offset(skip).limit(limit)))
        if newest is not None and band.where is not VIP:
            return newest.fetch(band, skip, limit)
        rows = list(session.exec(
            select(Ticket).select_from(source)
            .where(search.walked, *conds[1:], band.where, col(Ticket.id) > floor)
            .order_by(*order).offset(skip).limit(limit)))
        if len(rows) < limit and f.q:  # the newest tickets did not fill the page
            found, by_age = every_match(session, f.q)
            rows = list(session.exec(select(Ticket).where(found, *conds[1:], band.where)
                                     .order_by(by_age).offset(skip).limit(limit)))
        return rows

    def count(band: Band, cap: int) -> int:
        matching = select(col(Ticket.id)).select_from(source).where(*conds, band.where).limit(cap)
        return session.exec(select(func.count()).select_from(matching.subquery())).one()

    clocks = f.view not in ("pending", "solved") and f.status in (None, Status.new, Status.open)
    rows = paged(fetch, count, bands(f.sort, order, clocks), offset, f.per_page + 1)
    has_next = len(rows) > f.per_page
    rows = rows[: f.per_page]
    total = None
    if f.q and offset == 0 and not has_next:  # the bands held no more: nothing to count
        total = len(rows)
    elif newest is not None:
        total = newest.capped_total()
    if total is None:
        total = session.exec(select(func.count()).select_from(counted.limit(cap).subquery())).one()
    ids = {t.customer_id for t in rows}
    customers = {
        c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(ids))) if c.id
    }
    return TicketPage(rows, customers, total, max(f.page, 1), f.per_page, has_next, cap=cap)


def capped_count(session: Session, conds: list[ColumnElement[bool]], cap: int = COUNT_CAP) -> int:
    """How many tickets match, counting no further than ``cap``."""
    matching = select(col(Ticket.id)).where(*conds).limit(cap).subquery()
    return session.exec(select(func.count()).select_from(matching)).one()


def view_counts(session: Session, user: User, cap: int = SIDE_COUNT_CAP) -> dict[str, int]:
    """Each view's size (at most ``cap``) as ``user`` sees it."""
    access = visible_to(session, user)
    extra = [access] if access is not None else []
    return {view: capped_count(session, [view_condition(view, user), *extra], cap)
            for view in VIEWS}


def can_see(session: Session, user: User, ticket: Ticket) -> bool:
    if user.role in (Role.supervisor, Role.admin):
        return True
    return (
        ticket.team_id is None
        or ticket.assignee_id == user.id
        or ticket.team_id in team_ids(session, user)
        or (ticket.assignee_id is not None and ticket.assignee_id in covered_ids(session, user))
    )


def readable_team_ids(session: Session) -> set[int]:
    """Teams whose tickets agents of other teams may read."""
    return {i for i in session.exec(select(Team.id).where(col(Team.readable_by_all).is_(True)))
            if i is not None}


def read_ticket(session: Session, user: User, number: int) -> tuple[Ticket, bool]:
    """A ticket ``user`` may open, and whether they may change it too (False: another
    team's ticket they may only read, `Team.readable_by_all`)."""
    ticket = session.get(Ticket, number)
    if ticket is None:
        raise NotFound(number)
    if can_see(session, user, ticket):
        return ticket, True
    if ticket.team_id is not None and ticket.team_id in readable_team_ids(session):
        return ticket, False
    raise Forbidden(number)


def access_ticket(session: Session, user: User, number: int) -> Ticket:
    ticket = session.get(Ticket, number)
    if ticket is None:
        raise NotFound(number)
    if not can_see(session, user, ticket):
        raise Forbidden(number)
    return ticket


def ticket_history(session: Session, ticket_id: int) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id)
        .order_by(col(AuditEntry.id))
    )
    return list(session.exec(query))


def ticket_tags(session: Session, ticket_id: int) -> list[str]:
    rows = session.exec(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id))
    return sorted(rows)


def follow_ups(session: Session, ticket_id: int) -> list[int]:
    """The tickets opened by a customer who wrote again after this one was closed."""
    return [i for i in session.exec(select(Ticket.id).where(Ticket.follows_id == ticket_id))
            if i is not None]


def customer_tickets(session: Session, user: User, customer_id: int, limit: int = 20) -> list[Ticket]:
    """The customer's latest tickets that ``user`` may see (the queue's rule)."""
    query = select(Ticket).where(col(Ticket.customer_id) == customer_id)
    if (visible := visible_to(session, user)) is not None:
        query = query.where(visible)
    return list(session.exec(query.order_by(col(Ticket.updated_at).desc()).limit(limit)))


def filter_from_params(params: Any) -> TicketFilter:
    """A TicketFilter from query parameters; unusable values are ignored, not errors. An id
    no row can have (beyond ``ROW_ID_LIMIT``) filters on 0, which no row has either: the
    filter finds nothing, as for an id that is merely unknown, where the database would
    raise on a number past 64 bits."""

    def number(name: str) -> int | None:
        raw = str(params.get(name) or "")
        if not (raw.isascii() and raw.isdigit()):
            return None
        return int(raw) if len(raw) <= 10 and int(raw) <= ROW_ID_LIMIT else 0

    page = number("page") or 1
    view = params.get("view")
    return TicketFilter(
        view=view if view in VIEWS else None,
        status=params.get("status") or None,
        priority=params.get("priority") or None,
        team_id=number("team"),
        assignee_id=number("assignee"),
        channel=params.get("channel") or None,
        tag=params.get("tag") or None,
        customer_email=params.get("customer") if "@" in (params.get("customer") or "") else None,
        customer_id=number("customer"),
        tier=params.get("tier") if params.get("tier") in TIERS else None,
        q=(params.get("q") or "").strip() or None,
        covering=number("covering"),
        # A search lists the newest tickets first unless asked otherwise: the index gives
        # them in that order, where sorting by update would sort every match.
        sort=params.get("sort") if params.get("sort") in SORTS else (
            "created" if (params.get("q") or "").strip() else "updated"),
        page=min(page, 100000),
    )
