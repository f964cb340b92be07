"""ticket search: the index (FTS5 on SQLite, tsvectors with GIN on PostgreSQL), filled
from the tickets there are

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 21:20:00
"""
from typing import Sequence, Union

from alembic import op

from desk.actions.tickets.search_index import rebuild
from desk.models.search import POSTGRES_DDL, SQLITE_DDL

revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    connection = op.get_bind()
    for ddl in (POSTGRES_DDL if connection.dialect.name == "postgresql" else SQLITE_DDL):
        op.execute(ddl)
    # Tickets written before this migration (the demo's, a live desk's) are found too.
    rebuild(connection)


def downgrade() -> None:
    op.execute("DROP TABLE ticketsearch")
