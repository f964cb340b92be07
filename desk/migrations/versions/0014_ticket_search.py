"""ticket search (reserved: filled in by the work that needs it)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 21:20:00
"""
from typing import Sequence, Union


revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
