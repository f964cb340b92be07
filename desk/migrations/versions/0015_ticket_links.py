"""ticket links, merges and versions: related ticket pairs (ticketlink), the ticket a merged
one points to (ticket.merged_into_id), and a counter of changes for stale forms (ticket.version)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('ticketlink',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('linked_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['linked_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('ticket_id', 'linked_id')
    )
    op.create_index(op.f('ix_ticketlink_linked_id'), 'ticketlink', ['linked_id'], unique=False)
    op.add_column('ticket', sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; alembic would rebuild the table
        # (and the rebuild would lose the partial index of open tickets).
        op.execute('ALTER TABLE ticket ADD COLUMN merged_into_id INTEGER REFERENCES ticket (id)')
    else:
        op.add_column('ticket', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('ticket_merged_into_id_fkey', 'ticket', 'ticket',
                              ['merged_into_id'], ['id'])
    op.create_index(op.f('ix_ticket_merged_into_id'), 'ticket', ['merged_into_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_merged_into_id'), table_name='ticket')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('ticket_merged_into_id_fkey', 'ticket', type_='foreignkey')
    op.drop_column('ticket', 'merged_into_id')
    op.drop_column('ticket', 'version')
    op.drop_index(op.f('ix_ticketlink_linked_id'), table_name='ticketlink')
    op.drop_table('ticketlink')
