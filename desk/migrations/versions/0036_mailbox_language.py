"""Real-world mail: a mailbox's language, whose legacy charsets are preferred for the bytes
its mail leaves unlabelled ('' for none, as every mailbox had until now).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = '0036'
down_revision: Union[str, None] = '0035'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('mailbox') as batch:
        batch.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=20),
                                   nullable=False, server_default=''))


def downgrade() -> None:
    # In place: recreating `mailbox` would drop a table other tables' foreign keys point at.
    with op.batch_alter_table('mailbox', recreate='never') as batch:
        batch.drop_column('language')
