"""PostgreSQL: a search's pages newest first, read ticket numbers first, and its capped count.

Used by the queue (queries/tickets/queue) for a search with no filter but who may see what,
outside the VIP band (few tickets with their own index, left to the planner). The newest
RECENT tickets are walked first; when they do not fill the page, every match is read
through the GIN index (queries/tickets/search.newest_matches). How densely the newest
tickets held the first page then tells whether counting by walking them is cheaper than
through the index's posting lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import Session, select

from desk.models import Ticket
from desk.queries.tickets.ordering import Band
from desk.queries.tickets.search import RECENT, count_newest, newest_matches

# At most this many of the newest tickets are walked to count a search (about 5 µs each;
# a count through the index costs about what walking 10,000 does for two common words).
COUNT_WALK = 20_000


class NewestSearch:
    def __init__(self, session: Session, q: str, floor: int,
                 conds: list[ColumnElement[bool]]) -> None:
        self.session = session
        self.q = q
        self.floor = floor  # the ticket number the newest RECENT tickets start above
        self.conds = conds  # the queue's conditions besides the search
        # How many of the newest tickets held the first page: (matches, tickets).
        self.density: tuple[int, int] | None = None

    def fetch(self, band: Band, skip: int, limit: int) -> list[Ticket]:
        """Rows ``skip`` to ``skip + limit`` of ``band``, newest first."""
        rows: list[Ticket] = []
        for low in (self.floor, None):  # the newest tickets first, then every match
            read = newest_matches(self.q, low)
            rows = list(self.session.exec(select(Ticket).select_from(read.source)
                                          .where(*self.conds, band.where)
                                          .order_by(read.order).offset(skip).limit(limit)))
            if len(rows) >= limit:
                last = rows[-1].id
                if low is not None and self.density is None and last is not None:
                    self.density = (skip + len(rows), self.floor + RECENT - last + 1)
                break
        return rows

    def capped_total(self, cap: int) -> int | None:
        """``cap`` when walking the newest tickets finds that many matches, read only when
        the first page says a walk of at most COUNT_WALK tickets should; None otherwise."""
        if self.conds or self.density is None:
            return None
        matches, tickets = self.density
        walk = cap * tickets * 5 // (matches * 4)  # a quarter more than the page promises
        if walk > COUNT_WALK:
            return None
        return count_newest(self.session, self.q, self.floor + RECENT - walk, cap)
