"""Tickets: custom fields (admin-defined ticket fields and each ticket's values)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 04:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0030'
down_revision: Union[str, None] = '0029'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('ticketfield',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    # Added in place, never by copying the table: a copy would lose the VIP triggers of 0019.
    with op.batch_alter_table('ticket', recreate='never') as batch:
        batch.add_column(sa.Column('fields', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    # In place too (SQLite drops a column in place since 3.35).
    with op.batch_alter_table('ticket', recreate='never') as batch:
        batch.drop_column('fields')
    op.drop_table('ticketfield')
