"""The agent's workspace follow-up (issue 16): a bulk run records how many tickets matched
besides how many it took, so a run cut at its limit says so.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0035'
down_revision: Union[str, None] = '0034'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('bulkrun') as batch:
        batch.add_column(sa.Column('matched', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('bulkrun', recreate='never') as batch:
        batch.drop_column('matched')
