"""Tickets: custom fields (placeholder, filled by the rules work)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 04:00:00
"""
from typing import Sequence, Union


revision: str = '0030'
down_revision: Union[str, None] = '0029'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
