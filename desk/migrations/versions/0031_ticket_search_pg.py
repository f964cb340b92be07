"""Ticket search on PostgreSQL (placeholder, filled by the search work)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 04:00:00
"""
from typing import Sequence, Union


revision: str = '0031'
down_revision: Union[str, None] = '0030'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
