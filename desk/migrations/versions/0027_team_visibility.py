"""Teams: whether agents of other teams may read a team's tickets

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 01:25:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0027'
down_revision: Union[str, None] = '0026'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('team') as batch:
        batch.add_column(sa.Column('readable_by_all', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('team') as batch:
        batch.drop_column('readable_by_all')
