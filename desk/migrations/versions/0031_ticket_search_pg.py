"""Ticket search on PostgreSQL: the searched concatenation in a table of its own
(ticketsearch: ticket_id, document), the parts beside it (ticketsearchparts)

Searches walk and check rows of ticketsearch; with the three parts in the same row (twice
the words) most Chinese tickets' rows went to TOAST and a row cost four times as much to
check. Existing rows are copied as they are (no words made again); a no-op on SQLite and
on a database whose 0014 already made this layout.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 04:00:00
"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import text

from desk.models.search import POSTGRES_INDEX

revision: str = '0031'
down_revision: Union[str, None] = '0030'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_KEY = "ticket_id integer PRIMARY KEY REFERENCES ticket (id) ON DELETE CASCADE"


def _has_parts() -> bool:
    return op.get_bind().execute(text("SELECT to_regclass('ticketsearchparts') IS NOT NULL")
                                 ).scalar_one()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or _has_parts():
        return
    op.execute(f"CREATE TABLE ticketsearchparts ({_KEY}, subject tsvector NOT NULL, "
               "body tsvector NOT NULL, people tsvector NOT NULL)")
    op.execute("INSERT INTO ticketsearchparts SELECT ticket_id, subject, body, people "
               "FROM ticketsearch")
    op.execute(f"CREATE TABLE ticketsearch_0031 ({_KEY}, document tsvector NOT NULL)")
    op.execute("INSERT INTO ticketsearch_0031 SELECT ticket_id, document FROM ticketsearch "
               "ORDER BY ticket_id")
    op.execute("DROP TABLE ticketsearch")
    op.execute("ALTER TABLE ticketsearch_0031 RENAME TO ticketsearch")
    op.execute("ALTER TABLE ticketsearch RENAME CONSTRAINT ticketsearch_0031_pkey "
               "TO ticketsearch_pkey")
    op.execute("ALTER TABLE ticketsearch RENAME CONSTRAINT ticketsearch_0031_ticket_id_fkey "
               "TO ticketsearch_ticket_id_fkey")
    op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or not _has_parts():
        return
    op.execute("DROP TABLE ticketsearch")
    op.execute("ALTER TABLE ticketsearchparts RENAME TO ticketsearch")
    op.execute("ALTER TABLE ticketsearch ADD COLUMN document tsvector "
               "GENERATED ALWAYS AS (subject || body || people) STORED")
    op.execute(POSTGRES_INDEX)
