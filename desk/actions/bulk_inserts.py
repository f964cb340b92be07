"""Inserting tens of thousands of rows at once, for imports.

SQLAlchemy's executemany builds and processes a parameter dict per row, which costs more than
the database's own work at this size. Here the column values go through each column type's
bind processor (so a datetime or a JSON value is stored exactly as the ORM would store it), then
straight to the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. The rows are written in
the session's transaction like any other change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

_Processor = Callable[[Any], Any] | None


def copy_rows(session: Session, table: Table, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples of values in the order of ``columns``); returns how many."""
    connection = session.connection()
    dialect = connection.dialect
    processors: list[_Processor] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    if any(p is not None for p in processors):
        rows = _processed(rows, processors)
    cursor = connection.connection.cursor()
    names = ", ".join(f'"{name}"' for name in columns)
    count = 0
    try:
        if dialect.name == "postgresql":
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = list(rows)
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', batch)
            count = len(batch)
    finally:
        cursor.close()
    return count


def _processed(rows: Iterable[Sequence[Any]], processors: list[_Processor]) -> Iterable[Sequence[Any]]:
    active = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    # Rows of one batch often share a value (the same timestamp): processed once.
    last_in: list[Any] = [object()] * len(active)
    last_out: list[Any] = [None] * len(active)
    for row in rows:
        values = list(row)
        for n, (i, proc) in enumerate(active):
            value = values[i]
            if value is None:
                continue
            if value is not last_in[n]:
                last_in[n], last_out[n] = value, proc(value)
            values[i] = last_out[n]
        yield values
