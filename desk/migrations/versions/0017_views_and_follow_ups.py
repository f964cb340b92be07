"""Saved views of the queue (personal or shared with a team) and follow-ups on tickets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('savedview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_savedview_owner', 'savedview', ['owner_id', 'name'], unique=False)
    op.create_index('ix_savedview_team', 'savedview', ['team_id', 'name'], unique=False)
    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_followup_user_done_due', 'followup', ['user_id', 'done_at', 'due_at'], unique=False)
    op.create_index('ix_followup_reminded_due', 'followup', ['reminded_at', 'due_at'], unique=False)
    op.create_index('ix_followup_ticket', 'followup', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_followup_ticket', table_name='followup')
    op.drop_index('ix_followup_reminded_due', table_name='followup')
    op.drop_index('ix_followup_user_done_due', table_name='followup')
    op.drop_table('followup')
    op.drop_index('ix_savedview_team', table_name='savedview')
    op.drop_index('ix_savedview_owner', table_name='savedview')
    op.drop_table('savedview')
