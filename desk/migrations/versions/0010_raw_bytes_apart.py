"""raw mail bytes in their own table, written once (the status row is updated often)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rawmessagebytes',
    sa.Column('raw_id', sa.Integer(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['raw_id'], ['rawmessage.id'], ),
    sa.PrimaryKeyConstraint('raw_id')
    )
    op.execute("INSERT INTO rawmessagebytes (raw_id, raw) SELECT id, raw FROM rawmessage")
    # A plain DROP COLUMN (SQLite >= 3.35): batch mode would recreate rawmessage, which the
    # new table's foreign key forbids while foreign keys are enforced.
    op.execute("ALTER TABLE rawmessage DROP COLUMN raw")


def downgrade() -> None:
    with op.batch_alter_table('rawmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=False, server_default=sa.text("''")))
    op.execute("UPDATE rawmessage SET raw = (SELECT raw FROM rawmessagebytes "
               "WHERE rawmessagebytes.raw_id = rawmessage.id)")
    op.drop_table('rawmessagebytes')
