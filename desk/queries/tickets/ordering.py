"""The queue's order: VIP customers' tickets ahead of the rest in every view (the queue, search
results, saved views, the board's columns), then the sort asked for; by next due time, tickets
with a running SLA clock before those without.

Each part ("band") is read with the view's own conditions and order, one query each, so the
indexes that walk a view in its order still do (an ORDER BY on the tier would sort every ticket
of the view): a page is the first band's rows, then the next band's. `ticket.vip` is kept by
the database's triggers from the customer's tier; the VIP band reads the small partial index
`ix_ticket_vip_status_updated` (by status, so SQLite takes it even before ANALYZE knows it is
small or while it is empty). The band is literal SQL, so the planners match the partial index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, not_, true
from sqlmodel import col

from desk.models import Ticket


@dataclass(frozen=True)
class Band:
    """A part of a view: its condition, and its own order when not the view's."""

    where: ColumnElement[bool]
    order: tuple[ColumnElement[Any], ...] = ()


# (band, offset, limit) -> rows of the band in its order
Fetch = Callable[[Band, int, int], list[Ticket]]
# (band, cap) -> how many tickets the band holds, counted no further than cap
Count = Callable[[Band, int], int]

VIP: ColumnElement[bool] = literal_column("ticket.vip")
NOT_VIP: ColumnElement[bool] = not_(VIP)
# Tickets with no clock running, by last update: ordered by their (empty) due time the
# planner walked every solved ticket's empty entry of ix_ticket_next_due.
NO_DUE_ORDER = (col(Ticket.updated_at).desc(), col(Ticket.id).desc())


def bands(sort: str, order: tuple[ColumnElement[Any], ...], clocks: bool = True) -> list[Band]:
    """The parts of a view in the order they are shown, for the view's `sort` and `order`.
    `clocks`: whether the view can hold tickets with a running clock (not pending nor solved
    ones: their due bands would be empty, found by walking every ticket that has one)."""
    if sort == "priority":  # sorted whole anyway (no index gives the order): VIP is one more key
        return [Band(true(), (VIP.desc(), *order))]
    if sort != "due":
        return [Band(VIP), Band(NOT_VIP)]
    due, none = col(Ticket.next_due_at).is_not(None), col(Ticket.next_due_at).is_(None)
    if not clocks:
        return [Band(VIP, NO_DUE_ORDER), Band(NOT_VIP, NO_DUE_ORDER)]
    return [Band(and_(VIP, due)), Band(and_(VIP, none), NO_DUE_ORDER),
            Band(and_(NOT_VIP, due)), Band(and_(NOT_VIP, none), NO_DUE_ORDER)]


def paged(fetch: Fetch, count: Count, parts: Sequence[Band], offset: int, limit: int) -> list[Ticket]:
    """`limit` rows from `offset` of the bands one after the other. A band that ends before
    the page starts is counted (up to the rows still to skip) instead of read."""
    rows: list[Ticket] = []
    skip, need = offset, limit
    for band in parts:
        found = fetch(band, skip, need)
        if found:
            rows.extend(found)
            need -= len(found)
            skip = 0
            if need <= 0:
                break
        elif skip:
            skip -= count(band, skip)
    return rows
