"""Live chat: an index on the conversations still open, by when their page last beat, so
the minute's sweep for visitors gone without a word reads only those (issue 17).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0033'
down_revision: Union[str, None] = '0032'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_chatconversation_open", "chatconversation", ["left_at", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_chatconversation_open", table_name="chatconversation")
