"""sign-in failures (the throttle's memory, shared by every process)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('signinfailure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_signinfailure_email_at', 'signinfailure', ['email', 'at'], unique=False)
    op.create_index('ix_signinfailure_address_at', 'signinfailure', ['address', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signinfailure_address_at', table_name='signinfailure')
    op.drop_index('ix_signinfailure_email_at', table_name='signinfailure')
    op.drop_table('signinfailure')
