"""No schema change (reserved for the survey work of 2026-12-06, which needed none); kept as a
no-op so that databases already at 0032 or later stay on one line of revisions.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 07:30:00
"""
from typing import Sequence, Union

revision: str = '0032'
down_revision: Union[str, None] = '0031'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
