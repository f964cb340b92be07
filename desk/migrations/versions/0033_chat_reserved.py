"""Reserved for the live chat work (issue 17); a no-op until it lands.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

revision: str = '0033'
down_revision: Union[str, None] = '0032'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
