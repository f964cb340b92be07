"""SLA next response, warnings and escalations (helper sla)

Reserved in the chain so later revisions apply: this revision's owner replaces the body
(upgrade/downgrade) with its tables and columns; until then it changes nothing.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 00:50:00
"""
from typing import Sequence, Union


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
