"""Jobs: which process runs a job, so one killed on this machine is taken up again at once

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 01:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0026'
down_revision: Union[str, None] = '0025'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=120),
                                   nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.drop_column('claimed_by')
