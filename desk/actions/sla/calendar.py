"""Business hours: when a desk works, and time counted only then.

A calendar has a time zone, hours per weekday, a country whose public holidays close the
desk (the `holidays` package: mainland China's make-up working days on weekends included,
which then keep Monday's hours), and the desk's own closed and open dates. Times in and out
are aware datetimes; the arithmetic walks the calendar's local days, so daylight-saving
changes count as the wall clock says."""

from __future__ import annotations

import functools
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]  # minutes after local midnight: [start, end)
NINE_TO_SIX: tuple[Span, ...] = ((9 * 60, 18 * 60),)
WEEKDAYS_NINE_TO_SIX: tuple[tuple[Span, ...], ...] = (NINE_TO_SIX,) * 5 + ((), ())
MAX_DAYS = 3 * 366  # a calendar open less than this often is refused as never open


class NeverOpen(ValueError):
    """The calendar has no working time in the next three years."""


@dataclass(frozen=True)
class Calendar:
    zone: str = "UTC"
    hours: tuple[tuple[Span, ...], ...] = WEEKDAYS_NINE_TO_SIX  # Monday first
    country: str = ""  # ISO code for public holidays ("CN", "DE"); "" for none
    closed: frozenset[date] = frozenset()
    open_days: frozenset[date] = frozenset()

    def spans(self, day: date) -> tuple[Span, ...]:
        """The working spans of a local day."""
        return _spans(self, day)

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (aware, in UTC) from `start` on, in order, the first one cut at
        `start`."""
        day = start.astimezone(_zone(self.zone)).date()
        for _ in range(MAX_DAYS):
            for opens, closes in _windows(self, day):
                if closes <= start:
                    continue
                yield max(opens, start), closes
            day += timedelta(days=1)
        raise NeverOpen("no working time in the next three years")


def add_business_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of working time after `start`."""
    left = timedelta(minutes=minutes)
    for opens, closes in calendar.windows(start):
        if closes - opens >= left:
            return opens + left
        left -= closes - opens
    raise NeverOpen("no working time")  # windows raises first; keeps mypy sure


def is_open(calendar: Calendar, moment: datetime) -> bool:
    """Whether `moment` falls within the calendar's working hours (False for a calendar that
    never opens). The first working window from a moment starts at it exactly when open."""
    try:
        opens, _closes = next(calendar.windows(moment))
    except NeverOpen:
        return False
    return opens == moment


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working minutes from `start` to `end` (0 when `end` is not later)."""
    if end <= start:
        return 0.0
    total = timedelta()
    for opens, closes in calendar.windows(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total.total_seconds() / 60


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return datetime.combine(day, time(minute // 60, minute % 60), zone).astimezone(UTC)


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@functools.lru_cache(maxsize=65536)
def _windows(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The working windows of a local day, in UTC."""
    zone = _zone(calendar.zone)
    return tuple((_at(day, begin, zone), _at(day, end, zone)) for begin, end in _spans(calendar, day))


@functools.lru_cache(maxsize=65536)
def _spans(calendar: Calendar, day: date) -> tuple[Span, ...]:
    if day in calendar.closed:
        return ()
    if day in calendar.open_days:
        return calendar.hours[day.weekday()] or calendar.hours[0] or NINE_TO_SIX
    if calendar.country:
        public = _holidays(calendar.country, day.year)
        if day in public:
            return ()
        if day in getattr(public, "weekend_workdays", ()):  # a make-up working day
            return calendar.hours[0] or NINE_TO_SIX
    return calendar.hours[day.weekday()]


@functools.lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> Container[date]:
    import holidays  # noqa: PLC0415 - loaded only by desks that name a country

    return holidays.country_holidays(country, years=year)
