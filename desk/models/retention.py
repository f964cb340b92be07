"""Retention rules: after how many days Desk forgets what it no longer needs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from desk.models.base import now


class RetentionKind(StrEnum):
    # Raw mail (the bytes as they arrived) of solved and closed tickets, and of mail that
    # opened no ticket (duplicates, auto-replies, bounces, discarded), emptied; the rows stay.
    raw_mail = "raw_mail"
    # Customers whose every ticket is solved or closed anonymised (desk.actions.customers.privacy).
    anonymise_customers = "anonymise_customers"
    # Solved and closed tickets: their messages' text and HTML, attachments and raw mail
    # removed, the ticket row, its history and its report counts kept
    # (desk.actions.retention.content).
    ticket_content = "ticket_content"


class RetentionRule(SQLModel, table=True):
    """One rule per kind; no row or ``days`` None: the rule is off."""

    kind: str = Field(primary_key=True, max_length=30)
    days: int | None = None
    updated_at: datetime = Field(default_factory=now)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
