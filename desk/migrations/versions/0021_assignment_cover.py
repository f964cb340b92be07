"""Assignment capacity, skills, working hours and cover (helper assign)

Reserved in the chain so later revisions apply: this revision's owner replaces the body
(upgrade/downgrade) with its tables and columns; until then it changes nothing.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 00:50:00
"""
from typing import Sequence, Union


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
