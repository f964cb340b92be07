"""Survey settings in the database, the service report's daily roll-up, and the indexes the
reports read (answers by organisation, solves and tickets by day)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COVER = ['agent_id', 'team_id', 'channel', 'tier']
# desk.models.reports.TIME_COLUMNS: solves per time band.
_BANDS = [f'b{i:02d}' for i in range(24)]


def upgrade() -> None:
    op.create_table('desksetting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('reportday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('repeat_contacts', sa.Integer(), nullable=False),
    sa.Column('sla_counted', sa.Integer(), nullable=False),
    sa.Column('sla_met', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('rolled_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reportday_day', 'reportday', ['day', 'agent_id', 'team_id', 'channel'],
                    unique=False)
    op.create_table('reporttimes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _BANDS),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reporttimes_day', 'reporttimes', ['day', 'metric', 'agent_id', 'team_id'],
                    unique=False)
    op.create_table('reportanswers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    *(sa.Column(name, sa.Integer(), nullable=False)
      for name in ('r1', 'r2', 'r3', 'r4', 'r5', 'sent', 'responded')),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reportanswers_day', 'reportanswers', ['day', 'agent_id', 'team_id'],
                    unique=False)
    op.drop_index('ix_survey_answered_cover', table_name='survey')
    op.drop_index('ix_survey_sent_cover', table_name='survey')
    op.create_index('ix_survey_answered_cover', 'survey',
                    ['answered_at', *_COVER, 'organization_id', 'rating'], unique=False)
    op.create_index('ix_survey_sent_cover', 'survey',
                    ['sent_at', *_COVER, 'organization_id', 'rating'], unique=False)
    op.create_index('ix_survey_solved', 'survey', ['solved_at'], unique=False)
    op.create_index('ix_ticket_created', 'ticket', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_created', table_name='ticket')
    op.drop_index('ix_survey_solved', table_name='survey')
    op.drop_index('ix_survey_sent_cover', table_name='survey')
    op.drop_index('ix_survey_answered_cover', table_name='survey')
    op.create_index('ix_survey_answered_cover', 'survey', ['answered_at', *_COVER, 'rating'],
                    unique=False)
    op.create_index('ix_survey_sent_cover', 'survey', ['sent_at', *_COVER, 'rating'], unique=False)
    op.drop_index('ix_reportanswers_day', table_name='reportanswers')
    op.drop_table('reportanswers')
    op.drop_index('ix_reporttimes_day', table_name='reporttimes')
    op.drop_table('reporttimes')
    op.drop_index('ix_reportday_day', table_name='reportday')
    op.drop_table('reportday')
    op.drop_table('desksetting')
