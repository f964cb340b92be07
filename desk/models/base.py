"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware in UTC (sqlmodel refuses naive values)."""
    return datetime.now(UTC)
