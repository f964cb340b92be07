"""Trust and operations (issue 15): portal sign-ins (single-use links, server-side sign-out),
the audit log's client address, and when retention removed a solved ticket's content.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0034'
down_revision: Union[str, None] = '0033'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('portalsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('link_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('link_hash')
    )
    op.create_index(op.f('ix_portalsession_customer_id'), 'portalsession', ['customer_id'],
                    unique=False)
    with op.batch_alter_table('auditentry') as batch:
        batch.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64),
                                   nullable=False, server_default=''))
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('content_removed_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                   nullable=True))


def downgrade() -> None:
    # In place (SQLite drops a column in place since 3.35): recreating `ticket` would drop a
    # table other tables' foreign keys point at.
    with op.batch_alter_table('ticket', recreate='never') as batch:
        batch.drop_column('content_removed_at')
    with op.batch_alter_table('auditentry', recreate='never') as batch:
        batch.drop_column('address')
    op.drop_index(op.f('ix_portalsession_customer_id'), table_name='portalsession')
    op.drop_table('portalsession')
