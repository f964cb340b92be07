"""SLA policies and each ticket's clocks

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:55:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('slapolicy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('hours', sa.Text(), nullable=False),
    sa.Column('closed', sa.Text(), nullable=False),
    sa.Column('targets', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ticketsla',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('first_response_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('resolution_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('paused_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('first_response_met', sa.Boolean(), nullable=True),
    sa.Column('resolution_met', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['slapolicy.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    op.create_index(op.f('ix_ticketsla_policy_id'), 'ticketsla', ['policy_id'], unique=False)
    op.create_index(op.f('ix_ticketsla_resolution_due_at'), 'ticketsla', ['resolution_due_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ticketsla_resolution_due_at'), table_name='ticketsla')
    op.drop_index(op.f('ix_ticketsla_policy_id'), table_name='ticketsla')
    op.drop_table('ticketsla')
    op.drop_table('slapolicy')
