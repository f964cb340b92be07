"""Keeping the ticket search index (desk.models.search) in step, in the caller's transaction.

The intake writes a new ticket's row and appends each later message's words in the same
transaction as the message; an agent's reply or note, a new subject, a customer's new name,
addresses or organisation (wherever their search keys are refreshed) and an anonymisation
rewrite what they change. ``rebuild`` makes the whole index again (migration 0014 and
``desk search rebuild``). Nothing here commits."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text
from sqlmodel import Session

from channels.message import InboundMessage
from desk.models.search import POSTGRES_INDEX
from desk.search_words import index_words, message_words

CHUNK = 2000
# PostgreSQL refuses a tsvector past 1 MB: a ticket whose words reach this many distinct
# words takes no more (each message adds at most search_words.MAX_WORDS, so a row stays
# under 24,000 words of at most 32 characters); a rebuilt row stops at the same size.
MOST_WORDS_PG = 16_000
MOST_REBUILT_PG = 24_000

_SQLITE = {
    "insert": "INSERT INTO ticketsearch (rowid, subject, body, people) "
              "VALUES (:id, :subject, :body, :people)",
    "append": "UPDATE ticketsearch SET body = body || ' ' || :words WHERE rowid = :id",
    "subject": "UPDATE ticketsearch SET subject = :words WHERE rowid = :id",
    "people": "UPDATE ticketsearch SET people = :words "
              "WHERE rowid IN (SELECT id FROM ticket WHERE customer_id = :customer_id)",
    "delete": "DELETE FROM ticketsearch WHERE rowid IN :ids",
    "clear": "DELETE FROM ticketsearch",
}
# PostgreSQL: the parts are written in ticketsearchparts and their concatenation, returned
# by the same statement, in ticketsearch (desk.models.search).
_WRITE_DOCUMENT = ("RETURNING ticket_id, subject || body || people AS document) "
                   "UPDATE ticketsearch SET document = parts.document FROM parts "
                   "WHERE ticketsearch.ticket_id = parts.ticket_id")
_POSTGRES = {
    "insert": "WITH parts AS (INSERT INTO ticketsearchparts (ticket_id, subject, body, people) "
              "VALUES (:id, to_tsvector('simple', :subject), to_tsvector('simple', :body), "
              "to_tsvector('simple', :people)) "
              "RETURNING ticket_id, subject || body || people AS document) "
              "INSERT INTO ticketsearch (ticket_id, document) SELECT ticket_id, document FROM parts",
    "append": "WITH parts AS (UPDATE ticketsearchparts SET body = CASE WHEN length(body) < "
              f"{MOST_WORDS_PG} THEN body || to_tsvector('simple', :words) ELSE body END "
              f"WHERE ticket_id = :id {_WRITE_DOCUMENT}",
    "subject": "WITH parts AS (UPDATE ticketsearchparts SET subject = "
               f"to_tsvector('simple', :words) WHERE ticket_id = :id {_WRITE_DOCUMENT}",
    "people": "WITH parts AS (UPDATE ticketsearchparts SET people = to_tsvector('simple', :words) "
              "WHERE ticket_id IN (SELECT id FROM ticket WHERE customer_id = :customer_id) "
              f"{_WRITE_DOCUMENT}",
    "delete": "WITH gone AS (DELETE FROM ticketsearchparts WHERE ticket_id IN :ids) "
              "DELETE FROM ticketsearch WHERE ticket_id IN :ids",
    "clear": "TRUNCATE ticketsearch, ticketsearchparts",
}
_STATEMENTS: dict[tuple[str, str], TextClause] = {}


def _statement(connection: Connection, name: str) -> TextClause:
    dialect = connection.dialect.name
    statement = _STATEMENTS.get((dialect, name))
    if statement is None:
        sql = (_POSTGRES if dialect == "postgresql" else _SQLITE)[name]
        statement = text(sql)
        if ":ids" in sql:
            statement = statement.bindparams(bindparam("ids", expanding=True))
        _STATEMENTS[(dialect, name)] = statement
    return statement


def people_words(name: str, emails: Iterable[str], organization: str) -> str:
    """The words a customer's tickets are found by: name, every address, organisation."""
    return index_words(" ".join([name, *emails, organization]))


def _people(connection: Connection, customer_ids: Collection[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    ids = {"ids": sorted(customer_ids)}
    names: dict[int, tuple[str, str]] = {}
    # The primary address is always one of the identities; read it too, so a row loaded
    # without identities (an import around the actions) is still found by it.
    emails: dict[int, list[str]] = {}
    for row in connection.execute(text(
            "SELECT customer.id, customer.name, customer.email, organization.name AS org "
            "FROM customer LEFT JOIN organization ON organization.id = customer.organization_id "
            "WHERE customer.id IN :ids").bindparams(bindparam("ids", expanding=True)), ids):
        names[row.id] = (row.name, row.org or "")
        emails[row.id] = [row.email]
    for customer_id, value in connection.execute(text(
            "SELECT customer_id, value FROM customeridentity "
            "WHERE kind = 'email' AND customer_id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True)), ids):
        if value not in emails[customer_id]:
            emails[customer_id].append(value)
    return {i: people_words(name, emails.get(i, []), org) for i, (name, org) in names.items()}


def words_of(message: InboundMessage) -> tuple[str, str]:
    """The index words of a message's subject and text: those its reader made
    (desk.mail.parse_pool, off this process), else made now."""
    return message.search_words or message_words(message.subject, message.text)


def index_new_tickets(session: Session, tickets: Sequence[tuple[int, InboundMessage, int]]) -> None:
    """The rows of new tickets: (ticket id, first message, customer id)."""
    if not tickets:
        return
    connection = session.connection()
    people = _people(connection, {customer for _, _, customer in tickets})
    rows = []
    for ticket_id, message, customer in tickets:
        subject, body = words_of(message)
        rows.append({"id": ticket_id, "subject": subject, "body": body,
                     "people": people.get(customer, "")})
    connection.execute(_statement(connection, "insert"), rows)


def add_messages(session: Session, messages: Sequence[tuple[int, InboundMessage]]) -> None:
    """Each message's words added to its ticket's row: (ticket id, message)."""
    _append(session, [(ticket_id, words_of(message)[1]) for ticket_id, message in messages])


def add_message_words(session: Session, messages: Sequence[tuple[int, str]]) -> None:
    """Each text's words added to its ticket's row: (ticket id, text)."""
    _append(session, [(ticket_id, index_words(body)) for ticket_id, body in messages])


def _append(session: Session, words: Sequence[tuple[int, str]]) -> None:
    if not words:
        return
    connection = session.connection()
    connection.execute(_statement(connection, "append"), [
        {"id": ticket_id, "words": text} for ticket_id, text in words])


def set_subject(session: Session, ticket_id: int, subject: str) -> None:
    connection = session.connection()
    connection.execute(_statement(connection, "subject"),
                       {"id": ticket_id, "words": index_words(subject)})


def refresh_people(session: Session, people: Mapping[int, str]) -> None:
    """Every ticket of these customers takes their words (customer id -> people_words)."""
    if not people:
        return
    connection = session.connection()
    connection.execute(_statement(connection, "people"), [
        {"customer_id": customer_id, "words": words} for customer_id, words in people.items()])


def reindex_tickets(session: Session, ticket_ids: Iterable[int]) -> None:
    """These tickets' rows made again from what the database holds now."""
    ids = sorted(set(ticket_ids))
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        connection.execute(_statement(connection, "delete"), {"ids": chunk})
        _index(connection, connection.execute(text(
            "SELECT id, subject, customer_id FROM ticket WHERE id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True)), {"ids": chunk}).all())


def rebuild(connection: Connection, progress: Callable[[int], None] | None = None) -> int:
    """The whole index made again from the tickets, messages and customers; returns how
    many tickets it holds. In the connection's transaction."""
    connection.execute(_statement(connection, "clear"))
    postgres = connection.dialect.name == "postgresql"
    if postgres:  # one GIN build at the end is much faster than keeping it up row by row
        connection.execute(text("DROP INDEX IF EXISTS ix_ticketsearch_document"))
    last, done = 0, 0
    while True:
        tickets = connection.execute(text(
            "SELECT id, subject, customer_id FROM ticket WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": CHUNK}).all()
        if not tickets:
            if postgres:
                connection.execute(text(POSTGRES_INDEX))
            return done
        _index(connection, tickets)
        last = tickets[-1].id
        done += len(tickets)
        if progress is not None:
            progress(done)


def _index(connection: Connection, tickets: Sequence[Any]) -> None:
    """Rows for ``tickets`` (id, subject, customer_id; in id order), from their messages."""
    if not tickets:
        return
    bodies: dict[int, list[str]] = {}
    for ticket_id, body in connection.execute(text(
            "SELECT ticket_id, text FROM message WHERE ticket_id >= :low AND ticket_id <= :high "
            "ORDER BY ticket_id, id"), {"low": tickets[0].id, "high": tickets[-1].id}):
        bodies.setdefault(ticket_id, []).append(index_words(body))
    people = _people(connection, {t.customer_id for t in tickets})
    most = MOST_REBUILT_PG if connection.dialect.name == "postgresql" else None
    connection.execute(_statement(connection, "insert"), [
        {"id": t.id, "subject": index_words(t.subject),
         "body": _joined(bodies.get(t.id, []), most), "people": people.get(t.customer_id, "")}
        for t in tickets])


def _joined(texts: list[str], most: int | None) -> str:
    body = " ".join(texts)
    if most is None or body.count(" ") < most:
        return body
    return " ".join(body.split(" ", most)[:most])
