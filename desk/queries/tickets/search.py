"""Ticket search: the index joined to the queue's query, and the text the results page
marks the words in.

The query is parsed by desk.search_words into phrases of index words; only those reach the
database, as bound parameters (an FTS5 MATCH of quoted phrases on SQLite, phraseto_tsquery
on PostgreSQL). A query with no words finds nothing.

The queue reads matches through a join driven by the index: on SQLite FTS5 walks its
matches newest first (by rowid, the ticket number) and stops at the page, so a word in a
tenth of a million tickets costs what a rare one does; other sorts order every match."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Subquery,
    TableClause,
    and_,
    bindparam,
    column,
    false,
    func,
    literal_column,
    table,
)
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from desk.models import Message, Ticket
from desk.models.search import POSTGRES_DOCUMENT
from desk.search_words import Query, parse_query

# Characters of each message the results page reads to find a passage to show.
SNIPPET_SOURCE = 20_000
_PG_CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")
_FTS5: TableClause = table("ticketsearch", column("rowid", Integer), column("ticketsearch"))
_TSV: TableClause = table("ticketsearch", column("ticket_id", Integer))
# The index row again, under another name: the phrase check of newest_matches.
_EXACT = table("ticketsearch", column("ticket_id", Integer)).alias("exact")


@dataclass(frozen=True)
class Search:
    """The index to join to the ticket table: ``source`` (ticket joined with its index row),
    ``found`` (the match), ``newest_first`` (the order the index gives without sorting)."""

    source: FromClause
    found: ColumnElement[bool]
    newest_first: tuple[ColumnElement[Any], ...]
    # Counting matches needs no join when nothing else narrows them.
    index_only: FromClause
    # The match tried row by row (PostgreSQL: not through the GIN index), for a bounded walk.
    walked: ColumnElement[bool]


def search_join(session: Session, raw: str) -> Search:
    query = parse_query(raw)
    ticket_table = Ticket.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        source = ticket_table.join(_TSV, _TSV.c.ticket_id == col(Ticket.id))
        # The planner reads a phrase of common words as rare and rechecked 43,000 rows
        # through the index where walking the newest few thousand finds the page.
        walked = _pg_match(query, f"coalesce({POSTGRES_DOCUMENT}, ''::tsvector)")
        return Search(source, _pg_match(query, POSTGRES_DOCUMENT), (col(Ticket.id).desc(),),
                      _TSV, walked)
    source = _FTS5.join(ticket_table, col(Ticket.id) == _FTS5.c.rowid)
    found = (_FTS5.c.ticketsearch.op("MATCH")(bindparam("search_fts", query.fts5()))
             if query else false())
    return Search(source, found, (_FTS5.c.rowid.desc(),), _FTS5, found)


def _pg_match(query: Query, document: str) -> ColumnElement[bool]:
    if not query:
        return false()
    texts = query.texts()
    wanted: ColumnElement[Any] = func.phraseto_tsquery(_PG_CONFIG, texts[0])
    for phrase in texts[1:]:
        wanted = wanted.op("&&")(func.phraseto_tsquery(_PG_CONFIG, phrase))
    return literal_column(document).op("@@")(wanted)


@dataclass(frozen=True)
class Newest:
    """PostgreSQL's newest-first read of a search: ``source`` (the matching ticket numbers,
    sorted, joined to the ticket table) in ``order``."""

    source: FromClause
    order: ColumnElement[Any]


def newest_matches(raw: str, floor: int | None) -> Newest:
    """Matches of ``raw`` newest first: above ticket number ``floor`` (the newest tickets)
    by walking them along the primary key, each row checked, stopping at the page; without
    ``floor`` every match, ticket numbers first: the GIN index answers every word of the
    query without opening a row (no phrase: no recheck), the numbers are sorted, and only
    then are tickets joined and phrases (``ORD-1234``, Chinese words of three characters or
    more: words in a row) checked, a row at a time in that order, so a page stops after its
    rows. Reading phrases through the index (``phraseto_tsquery``) rechecked every
    candidate row's positions before sorting, and joining tickets before sorting cost as
    much: 300 ms for two Chinese words at a million tickets, 50 ms this way."""
    query = parse_query(raw)
    ticket_table = Ticket.__table__  # type: ignore[attr-defined]
    if floor is not None:
        # The planner takes a phrase of bigrams for rare (it multiplies their frequencies)
        # and read 50,000 rows of one through the index rather than walk 5,000.
        walked = select(_TSV.c.ticket_id.label("number")).select_from(_TSV).where(
            _TSV.c.ticket_id > floor,
            _pg_match(query, f"coalesce({POSTGRES_DOCUMENT}, ''::tsvector)"))
        newest = walked.order_by(_TSV.c.ticket_id.desc()).offset(literal_column("0")).subquery(
            "matches")
        return Newest(newest.join(ticket_table, col(Ticket.id) == newest.c.number),
                      newest.c.number.desc())
    matches, exact = _sorted_matches(query)
    source = matches.join(ticket_table, col(Ticket.id) == matches.c.number)
    if exact is not None:
        source = source.join(_EXACT, exact)
    return Newest(source, matches.c.number.desc())


def match_numbers(raw: str) -> SelectOfScalar[int]:
    """Every match's ticket number, newest first (PostgreSQL): read as newest_matches reads
    every match, so a caller may page and count them without asking the index twice."""
    query = parse_query(raw)
    matches, exact = _sorted_matches(query)
    source = matches if exact is None else matches.join(_EXACT, exact)
    return select(matches.c.number).select_from(source).order_by(matches.c.number.desc())


def _sorted_matches(query: Query) -> tuple[Subquery, ColumnElement[bool] | None]:
    """The ticket numbers holding every word of ``query`` (the GIN index alone), sorted, and
    the join condition that checks its phrases in the index row ``exact`` (None: none)."""
    words = literal_column(POSTGRES_DOCUMENT).op("@@")(func.plainto_tsquery(
        _PG_CONFIG, " ".join(w for phrase in query.phrases for w in phrase)))
    # "+ 0": sorted here, not walked along the primary key testing each row.
    number = (_TSV.c.ticket_id + 0).label("number")
    found = select(number).select_from(_TSV).where(words if query else false())
    # OFFSET 0 keeps the sort inside: the planner may not join tickets first.
    matches = found.order_by(number.desc()).offset(literal_column("0")).subquery("matches")
    if not any(len(phrase) > 1 for phrase in query.phrases):
        return matches, None
    exact = _pg_match(query, "coalesce(exact.document, ''::tsvector)")
    return matches, and_(_EXACT.c.ticket_id == matches.c.number, exact)


def count_newest(session: Session, raw: str, floor: int, cap: int) -> int | None:
    """``cap`` when the tickets above ``floor`` hold that many matches of ``raw`` (walked,
    each row checked); None otherwise. A common word's capped count through the index read
    its whole posting list (130 ms for "paper jam" at a million tickets)."""
    walked: SelectOfScalar[Any] = select(literal_column("1")).select_from(_TSV).where(
        _TSV.c.ticket_id > floor,
        _pg_match(parse_query(raw), f"coalesce({POSTGRES_DOCUMENT}, ''::tsvector)")).limit(cap)
    found = session.exec(select(func.count()).select_from(walked.subquery())).one()
    return cap if found >= cap else None


def search_condition(session: Session, raw: str) -> ColumnElement[bool]:
    """Tickets whose subject, messages or customer hold every phrase of ``raw``, as a
    condition of its own (saved views' counts, the board)."""
    search = search_join(session, raw)
    key = _TSV.c.ticket_id if session.get_bind().dialect.name == "postgresql" else _FTS5.c.rowid
    matching = select(key).select_from(search.index_only).where(search.found)
    return col(Ticket.id).in_(matching.scalar_subquery())


# PostgreSQL: a newest-first search looks at the newest RECENT tickets first (walking the
# primary key, bounded), then, when they do not fill the page, at every match through the
# GIN index. Its planner cannot tell a rare word from a common one it has no statistics
# for, and walked every ticket for a word found once (3 s at a million).
RECENT = 5_000


def recent_floor(session: Session) -> int | None:
    """The ticket number the first look stops at (PostgreSQL); None: look at everything."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    top = session.exec(select(func.max(_TSV.c.ticket_id))).one()
    return top - RECENT if top is not None and top > RECENT else None


def every_match(session: Session, raw: str) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """(condition, order) reading every match through the index, newest first: the order is
    an expression so the planner cannot walk the primary key instead."""
    return search_condition(session, raw), (col(Ticket.id) + 0).desc()


@dataclass(frozen=True)
class Passage:
    ticket_id: int
    text: str


def message_texts(session: Session, ticket_ids: Sequence[int]) -> list[Passage]:
    """The beginning of each message of these tickets, oldest first, for the passages the
    results page shows."""
    if not ticket_ids:
        return []
    rows = session.exec(select(Message.ticket_id, func.substr(Message.text, 1, SNIPPET_SOURCE))
                        .where(col(Message.ticket_id).in_(ticket_ids))
                        .order_by(col(Message.ticket_id), col(Message.id)))
    return [Passage(ticket_id, body or "") for ticket_id, body in rows]


__all__ = ["RECENT", "Newest", "Passage", "Query", "Search", "count_newest", "every_match",
           "match_numbers", "message_texts", "newest_matches", "parse_query", "recent_floor",
           "search_condition", "search_join"]
