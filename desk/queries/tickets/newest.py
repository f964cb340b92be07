"""PostgreSQL: a search's pages newest first, read ticket numbers first, and its capped count.

Used by the queue (queries/tickets/queue) for a search with no filter but who may see what,
outside the VIP band (few tickets with their own index, left to the planner). The newest
RECENT tickets are walked first; when they do not fill the page, every match is read
through the GIN index (queries/tickets/search.newest_matches). How densely the newest
tickets held the first page then tells whether counting by walking them is cheaper than
through the index's posting lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from desk.models import Ticket
from desk.queries.tickets.ordering import Band
from desk.queries.tickets.search import (
    RECENT,
    count_newest,
    match_numbers,
    newest_matches,
    parse_query,
)

# At most this many of the newest tickets are walked to count a search (about 5 µs each;
# a count through the index costs about what walking 10,000 does for two common words).
COUNT_WALK = 20_000


class NewestSearch:
    """One search's reads for one page (list_tickets' fetch and count)."""

    def __init__(self, session: Session, q: str, floor: int,
                 conds: list[ColumnElement[bool]], cap: int) -> None:
        self.session = session
        self.q = q
        self.floor = floor  # the ticket number the newest RECENT tickets start above
        self.conds = conds  # the queue's conditions besides the search
        self.cap = cap  # matches are counted no further
        # How many of the newest tickets held the first page: (matches, tickets).
        self.density: tuple[int, int] | None = None
        # Every match's number (at most cap + 1), once the newest did not fill a page.
        self.numbers: list[int] | None = None

    def fetch(self, band: Band, skip: int, limit: int) -> list[Ticket]:
        """Rows ``skip`` to ``skip + limit`` of ``band``, newest first."""
        read = newest_matches(self.q, self.floor)  # the newest tickets first
        rows = self._page(select(Ticket).select_from(read.source), read.order, band, skip, limit)
        last = rows[-1].id if rows else None
        if len(rows) >= limit and last is not None:
            if self.density is None:
                self.density = (skip + len(rows), self.floor + RECENT - last + 1)
            return rows
        if self.numbers is None:  # then every match: their numbers serve the count too
            self.numbers = list(self.session.exec(match_numbers(self.q).limit(self.cap + 1)))
        rows = self._page(select(Ticket).where(col(Ticket.id).in_(self.numbers)),
                          col(Ticket.id).desc(), band, skip, limit)
        if len(rows) >= limit or len(self.numbers) <= self.cap:  # the newest matches held it
            return rows
        read = newest_matches(self.q, None)
        return self._page(select(Ticket).select_from(read.source), read.order, band, skip, limit)

    def _page(self, rows: SelectOfScalar[Ticket], order: ColumnElement[Any], band: Band,
              skip: int, limit: int) -> list[Ticket]:
        return list(self.session.exec(rows.where(*self.conds, band.where).order_by(order)
                                      .offset(skip).limit(limit)))

    def capped_total(self) -> int | None:
        """How many tickets match, counting no further than ``cap``, when known without
        asking the index again: from every match's numbers once read, or by walking the
        newest tickets for two words or more (one word's posting list is read faster) when
        the first page says a walk of at most COUNT_WALK tickets finds ``cap``; None
        otherwise (and for an agent who may not see every ticket)."""
        if self.conds:
            return None
        if self.numbers is not None:
            return min(len(self.numbers), self.cap)
        if self.density is None:
            return None
        if sum(len(phrase) for phrase in parse_query(self.q).phrases) < 2:
            return None  # one word: one posting list, cheaper than the walk
        matches, tickets = self.density
        walk = self.cap * tickets * 5 // (matches * 4)  # a quarter more than the page promises
        if walk > COUNT_WALK:
            return None
        return count_newest(self.session, self.q, self.floor + RECENT - walk, self.cap)
