"""Reserved for the agent's workspace follow-up (issue 16); a no-op until it lands.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

revision: str = '0035'
down_revision: Union[str, None] = '0034'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
