"""Attachments up to 256 KiB keep their bytes in the database (attachmentbytes), written in
the transaction of their row, instead of a file each: creating a file was the largest single
cost of ingesting mail with attachments on this project's machines (see ARCHITECTURE.md).
Attachments stored before stay files (storage_key set); their rows are unchanged.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 13:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0037'
down_revision: Union[str, None] = '0036'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Left in place by a downgrade that would have lost bytes (below): kept as it is.
    if sa.inspect(op.get_bind()).has_table('attachmentbytes'):
        return
    op.create_table('attachmentbytes',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id')
    )


def downgrade() -> None:
    # Dropping a table that holds attachments' bytes would lose them: it stays (an older Desk
    # does not read it; upgrading again finds them where they were).
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM attachmentbytes")).scalar_one()
    if not held:
        op.drop_table('attachmentbytes')
