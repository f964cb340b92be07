"""The ticket search index: one row per ticket (its subject, the words of all its messages,
and its customer's name, addresses and organisation), made of desk.search_words' words.

It is not a SQLModel table: on SQLite it is an FTS5 virtual table, on PostgreSQL a table of
three tsvectors (ticketsearchparts) and one of their concatenation with a GIN index.
Migration 0014 creates it from the DDL here (0031 moves an older layout to this one); the
metadata comparison of the migrations test leaves these tables out."""

from __future__ import annotations

SEARCH_TABLE = "ticketsearch"
# SQLite's FTS5 keeps shadow tables beside the virtual one (ticketsearch_data, _idx...).
SEARCH_TABLE_PREFIX = SEARCH_TABLE

SQLITE_DDL = (
    # 'ascii' splits on ASCII spaces and punctuation only: every word search_words made
    # (letters and digits, CJK bigrams) stays one token, as PostgreSQL's parser keeps it.
    "CREATE VIRTUAL TABLE ticketsearch USING fts5(subject, body, people, tokenize = 'ascii')",
)
POSTGRES_INDEX = "CREATE INDEX ix_ticketsearch_document ON ticketsearch USING gin (document)"
POSTGRES_PARTS = "ticketsearchparts"
POSTGRES_DDL = (
    # The three parts are written apart (a message appends to body, a customer's change
    # rewrites people) in ticketsearchparts; ticketsearch holds only their concatenation,
    # written with them, under the GIN index. Searches read ticketsearch alone: at two
    # columns a row stays small and out of TOAST, and checking a row costs a quarter of
    # what it did with the parts beside it (migration 0031).
    "CREATE TABLE ticketsearchparts ("
    " ticket_id integer PRIMARY KEY REFERENCES ticket (id) ON DELETE CASCADE,"
    " subject tsvector NOT NULL, body tsvector NOT NULL, people tsvector NOT NULL)",
    "CREATE TABLE ticketsearch ("
    " ticket_id integer PRIMARY KEY REFERENCES ticket (id) ON DELETE CASCADE,"
    " document tsvector NOT NULL)",
    POSTGRES_INDEX,
)
POSTGRES_DOCUMENT = "ticketsearch.document"


def is_search_table(name: str | None) -> bool:
    return bool(name) and str(name).startswith(SEARCH_TABLE_PREFIX)
