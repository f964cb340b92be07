"""Web-form requests are stored in a spool file and answered at once; `desk serve`'s intake
process opens their tickets moments later, on the other core, and records here what became
of each (see ARCHITECTURE.md, "The web form's intake").

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 16:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = '0038'
down_revision: Union[str, None] = '0037'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('formsubmission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spool', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('token', sa.String(length=200), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_formsubmission_spool_request', 'formsubmission', ['spool', 'request_id'],
                    unique=True)


def downgrade() -> None:
    # Failed requests keep the only copy of what the customer sent.
    failed = op.get_bind().execute(
        sa.text("SELECT count(*) FROM formsubmission WHERE status = 'failed'")).scalar_one()
    if failed:
        raise RuntimeError(f"{failed} failed web-form requests hold what customers sent: "
                           "open them as tickets or delete them, then downgrade")
    op.drop_index('ux_formsubmission_spool_request', table_name='formsubmission')
    op.drop_table('formsubmission')
