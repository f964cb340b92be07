"""Ticket search: the condition a query adds to the queue's filters, and the text the
results page marks the words in.

The query is parsed by desk.search_words into phrases of index words; only those reach the
database, as bound parameters (an FTS5 MATCH of quoted phrases on SQLite, phraseto_tsquery
on PostgreSQL). A query with no words finds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, literal_column, text
from sqlmodel import Session, col, select

from desk.models import Message, Ticket
from desk.models.search import POSTGRES_DOCUMENT
from desk.search_words import Query, parse_query

# Characters of each message the results page reads to find a passage to show.
SNIPPET_SOURCE = 20_000
_PG_CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")


def search_condition(session: Session, raw: str) -> ColumnElement[bool]:
    """Tickets whose subject, messages or customer hold every phrase of ``raw``."""
    query = parse_query(raw)
    if not query:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        wanted: ColumnElement[Any] = func.phraseto_tsquery(_PG_CONFIG, query.texts()[0])
        for phrase in query.texts()[1:]:
            wanted = wanted.op("&&")(func.phraseto_tsquery(_PG_CONFIG, phrase))
        found = literal_column(POSTGRES_DOCUMENT).op("@@")(wanted)
        matching: Select[tuple[Any]] = select(literal_column("ticketsearch.ticket_id")).select_from(
            text("ticketsearch")).where(found)
    else:
        matching = select(literal_column("ticketsearch.rowid")).select_from(
            text("ticketsearch")).where(
            literal_column("ticketsearch").op("MATCH")(bindparam("search_fts", query.fts5())))
    return col(Ticket.id).in_(matching.scalar_subquery())


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


__all__ = ["Passage", "Query", "message_texts", "parse_query", "search_condition"]
