"""satisfaction surveys: one per resolution, its answer and the snapshot of the ticket

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outbound_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('first_response_seconds', sa.Integer(), nullable=True),
    sa.Column('resolution_seconds', sa.Integer(), nullable=True),
    sa.Column('solved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['outbound_id'], ['outboundmessage.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_survey_status_due', 'survey', ['status', 'due_at'], unique=False)
    op.create_index('ix_survey_answered_cover', 'survey',
                    ['answered_at', 'agent_id', 'team_id', 'channel', 'tier', 'rating'], unique=False)
    op.create_index('ix_survey_sent_cover', 'survey',
                    ['sent_at', 'agent_id', 'team_id', 'channel', 'tier', 'rating'], unique=False)
    op.create_index('ix_survey_rating_answered', 'survey', ['rating', 'answered_at'], unique=False)
    op.create_index('ix_survey_ticket', 'survey', ['ticket_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_survey_ticket', table_name='survey')
    op.drop_index('ix_survey_rating_answered', table_name='survey')
    op.drop_index('ix_survey_sent_cover', table_name='survey')
    op.drop_index('ix_survey_answered_cover', table_name='survey')
    op.drop_index('ix_survey_status_due', table_name='survey')
    op.drop_table('survey')
