"""Reserved for the trust and operations work (issue 15); a no-op until it lands.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

revision: str = '0034'
down_revision: Union[str, None] = '0033'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
