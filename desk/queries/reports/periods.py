"""Days, weeks and months of a report's charts: UTC days as YYYY-MM-DD text (how both
databases group a timestamp by day here), and the day's week (starting Monday) or month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session

UNITS = ("day", "week", "month")


def day_of(session: Session, column: Any) -> Any:
    """The UTC day of a timestamp column, as YYYY-MM-DD text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite keeps UTC timestamps as ISO text


def bucket_of(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def buckets(since: datetime, until: datetime, unit: str) -> list[date]:
    """Every bucket of the period, in order (a chart shows the empty ones too)."""
    last = (until - timedelta(microseconds=1)).date()
    found: list[date] = []
    day = since.date()
    while day <= last:
        b = bucket_of(day, unit)
        if not found or found[-1] != b:
            found.append(b)
        day += timedelta(days=1)
    return found
