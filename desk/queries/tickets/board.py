"""The kanban board: a view's tickets in a column per status, each column paged, each card
with what an agent decides by (customer and tier, assignee, priority, the SLA's next due time)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from desk.models import Customer, Status, Ticket, TicketSla, User
from desk.models.base import now
from desk.queries.sla import ENDED, unsettled_clocks
from desk.queries.tickets.ordering import Band, bands, paged
from desk.queries.tickets.queue import SORTS, TicketFilter, capped_count, filter_conditions

COLUMNS = tuple(s.value for s in Status)
CARDS_PER_COLUMN = 25
# A column's size is counted no further ("1000+"): six counts up to the queue's 10,000 were
# most of the board's time at 100,000 open tickets.
COLUMN_COUNT_CAP = 1_000
_SLA = TicketSla.__table__  # type: ignore[attr-defined]
_CLOCK_COLUMNS = ("ticket_id", "first_response_met", "first_response_due_at", "next_response_started_at",
                  "next_response_due_at", "resolution_met", "resolution_due_at", "paused_at")


@dataclass(frozen=True)
class CardCustomer:
    name: str
    email: str
    tier: str


@dataclass
class Card:
    ticket: Ticket
    customer: CardCustomer | None
    assignee: str
    # The next SLA answer due: "first_response", "next_response" or "resolution" ("" when
    # none is running).
    due_kind: str = ""
    due_at: datetime | None = None
    paused: bool = False
    overdue: bool = False


@dataclass
class Column:
    status: str
    cards: list[Card]
    total: int
    page: int
    has_next: bool
    cap: int = COLUMN_COUNT_CAP


def board_conditions(session: Session, user: User, f: TicketFilter) -> list[ColumnElement[bool]]:
    """The view's conditions without its statuses: the columns are the statuses. "My open"
    becomes "mine", "unassigned" stays unassigned; "all open", "pending" and "solved" are
    every ticket the filters let through."""
    conds = filter_conditions(session, user, replace(f, view=None, status=None))
    if f.view == "my_open":
        conds.append(col(Ticket.assignee_id) == user.id)
    elif f.view == "unassigned":
        conds.append(col(Ticket.assignee_id).is_(None))
    return conds


def board_columns(session: Session, user: User, f: TicketFilter, pages: dict[str, int],
                  per_column: int = CARDS_PER_COLUMN) -> list[Column]:
    """A column per status: its page of cards (``pages`` by status, 1 when absent; VIP
    customers' tickets first, as in the queue) and its size counted no further than the cap."""
    conds = board_conditions(session, user, f)
    found: list[tuple[str, list[Ticket], int, int, bool]] = []
    for status in COLUMNS:
        page = max(pages.get(status, 1), 1)
        where = [*conds, col(Ticket.status) == status]
        rows = _column(session, where, status, f.sort, (page - 1) * per_column, per_column + 1)
        found.append((status, rows[:per_column], capped_count(session, where, COLUMN_COUNT_CAP), page,
                      len(rows) > per_column))
    tickets = [t for _, rows, *_rest in found for t in rows]
    cards = _cards(session, tickets)
    return [Column(status, [cards[t.id] for t in rows if t.id is not None], total, page, more)
            for status, rows, total, page, more in found]


def _column(session: Session, where: list[ColumnElement[bool]], status: str, sort: str,
            offset: int, limit: int) -> list[Ticket]:
    """A column's tickets in the view's order, VIP customers' first."""
    order = SORTS.get(sort, SORTS["updated"])

    def fetch(band: Band, skip: int, count: int) -> list[Ticket]:
        return list(session.exec(select(Ticket).where(*where, band.where)
                                 .order_by(*(band.order or order)).offset(skip).limit(count)))

    def size(band: Band, cap: int) -> int:
        return capped_count(session, [*where, band.where], cap)

    return paged(fetch, size, bands(sort, order, status in (Status.new, Status.open)), offset, limit)


def _cards(session: Session, tickets: list[Ticket]) -> dict[int | None, Card]:
    """The cards of ``tickets``: customers, assignees and clocks read in one query each."""
    ids = [t.id for t in tickets]
    # Columns, not ORM objects: a card shows a few of them, and loading objects was most of
    # the board's time on PostgreSQL.
    customers = {i: CardCustomer(name, email, tier) for i, name, email, tier in session.exec(
        select(Customer.id, Customer.name, Customer.email, Customer.tier).where(
            col(Customer.id).in_({t.customer_id for t in tickets})))}
    names = dict(session.exec(select(User.id, User.name).where(
        col(User.id).in_({t.assignee_id for t in tickets if t.assignee_id is not None}))).all())
    clocks = {c.ticket_id: c for c in session.execute(
        sa_select(*(_SLA.c[name] for name in _CLOCK_COLUMNS)).where(_SLA.c.ticket_id.in_(ids)))}
    moment = now()
    cards: dict[int | None, Card] = {}
    for t in tickets:
        card = Card(t, customers.get(t.customer_id), names.get(t.assignee_id, "")
                    if t.assignee_id is not None else "")
        sla = clocks.get(t.id) if t.id is not None else None
        dues = unsettled_clocks(sla) if sla is not None and t.status not in ENDED else {}
        if sla is not None and dues:
            card.due_kind, card.due_at = min(dues.items(), key=lambda kind_due: kind_due[1])
            card.paused = sla.paused_at is not None
            card.overdue = not card.paused and card.due_at < moment
        cards[t.id] = card
    return cards
