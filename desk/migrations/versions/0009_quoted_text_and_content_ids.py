"""a message keeps the history it quotes; an attachment keeps its Content-ID

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quoted', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_id', sqlmodel.sql.sqltypes.AutoString(length=255),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('content_id')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('quoted')
