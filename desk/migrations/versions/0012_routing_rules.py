"""routing rules and each team's round-robin turn

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('events', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_rule_position'), 'rule', ['position'], unique=False)
    op.create_table('teamrotation',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('last_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['last_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('team_id')
    )


def downgrade() -> None:
    op.drop_table('teamrotation')
    op.drop_index(op.f('ix_rule_position'), table_name='rule')
    op.drop_table('rule')
