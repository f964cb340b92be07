"""Rules on more events and on time: a scheduled rule's firings, and the index of tickets
still without a public reply

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 00:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNANSWERED_SQL = "first_response_at IS NULL AND status IN ('new', 'open', 'on_hold')"


def upgrade() -> None:
    op.create_table('ruletimefiring',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('rule_id', 'ticket_id')
    )
    op.create_index('ix_ticket_unanswered_created', 'ticket', ['created_at'], unique=False,
                    sqlite_where=sa.text(UNANSWERED_SQL), postgresql_where=sa.text(UNANSWERED_SQL))


def downgrade() -> None:
    op.drop_index('ix_ticket_unanswered_created', table_name='ticket',
                  sqlite_where=sa.text(UNANSWERED_SQL), postgresql_where=sa.text(UNANSWERED_SQL))
    op.drop_table('ruletimefiring')
