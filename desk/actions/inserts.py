"""Fast single-row inserts for the intake hot path.

A statement object built once per table keeps SQLAlchemy from building and
hashing a new one on every call (that was most of the cost of a web-form
submission), and executing on the session's connection skips the ORM layer.
The row is written in the session's transaction like any other change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlmodel import Session

_RETURNING_ID: dict[str, Insert] = {}
_RETURNING_IDS: dict[str, Insert] = {}
_PLAIN: dict[str, Insert] = {}


def insert_row(session: Session, table: Table, values: dict[str, Any]) -> int:
    """Insert one row with every column given; returns its new id."""
    statement = _RETURNING_ID.get(table.name)
    if statement is None:
        statement = _RETURNING_ID[table.name] = insert(table).returning(table.c.id)
    new_id: int = session.connection().execute(statement, values).scalar_one()
    return new_id


def insert_plain(session: Session, table: Table, values: dict[str, Any]) -> None:
    """Insert one row when nobody needs its id."""
    statement = _PLAIN.get(table.name)
    if statement is None:
        statement = _PLAIN[table.name] = insert(table)
    session.connection().execute(statement, values)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one statement; returns their ids in the order given."""
    if not rows:
        return []
    statement = _RETURNING_IDS.get(table.name)
    if statement is None:
        statement = _RETURNING_IDS[table.name] = insert(table).returning(
            table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(statement, rows).scalars())


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows nobody needs the ids of."""
    if rows:
        insert_plain_statement = _PLAIN.get(table.name)
        if insert_plain_statement is None:
            insert_plain_statement = _PLAIN[table.name] = insert(table)
        session.connection().execute(insert_plain_statement, rows)
