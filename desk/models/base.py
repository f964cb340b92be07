"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware in UTC (sqlmodel refuses naive values)."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime: SQLite hands them back naive, PostgreSQL aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
