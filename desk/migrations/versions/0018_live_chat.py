"""Live chat: widgets and conversations, and staff availability

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('chatwidget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('origins', sa.Text(), nullable=False),
    sa.Column('colour', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('greeting_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('greeting_zh', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('ask_email', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('identity_secret', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_chatwidget_key'), 'chatwidget', ['key'], unique=True)
    op.create_table('chatconversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('widget_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('page_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('left_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('read_message_id', sa.Integer(), nullable=True),
    sa.Column('transcript_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['widget_id'], ['chatwidget.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.add_column('user', sa.Column('availability', sqlmodel.sql.sqltypes.AutoString(length=10),
                                    nullable=False, server_default='available'))
    op.create_index('ix_chatconversation_ticket', 'chatconversation', ['ticket_id'], unique=False)
    op.create_index(op.f('ix_chatconversation_token_hash'), 'chatconversation', ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_column('user', 'availability')
    op.drop_index(op.f('ix_chatconversation_token_hash'), table_name='chatconversation')
    op.drop_index('ix_chatconversation_ticket', table_name='chatconversation')
    op.drop_table('chatconversation')
    op.drop_index(op.f('ix_chatwidget_key'), table_name='chatwidget')
    op.drop_table('chatwidget')
