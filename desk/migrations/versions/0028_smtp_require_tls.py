"""Mailboxes: send only over TLS (smtp+starttls://)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 01:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0028'
down_revision: Union[str, None] = '0027'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('mailbox') as batch:
        batch.add_column(sa.Column('smtp_require_tls', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('mailbox') as batch:
        batch.drop_column('smtp_require_tls')
