"""Business-hours arithmetic (issue 13): weekends, public holidays, mainland China's make-up
working days, the desk's own dates, time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from desk.actions.sla.calendar import (
    Calendar,
    NeverOpen,
    add_business_minutes,
    business_minutes_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_time_outside_hours_and_weekends_does_not_count() -> None:
    cal = Calendar()  # UTC, Monday to Friday 9-18
    friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert add_business_minutes(cal, friday_5pm, 120) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert add_business_minutes(cal, saturday, 30) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    assert business_minutes_between(cal, friday_5pm, datetime(2026, 3, 9, 10, 0, tzinfo=UTC)) == 120


def test_chinese_new_year_closes_the_desk_and_its_make_up_saturday_opens_it() -> None:
    cal = Calendar(zone="Asia/Shanghai", country="CN")
    # Friday 13 Feb 2026, 17:00 in Shanghai; Saturday 14 Feb is a make-up working day.
    due = add_business_minutes(cal, local(SHANGHAI, 2026, 2, 13, 17, 0), 120)
    assert due.astimezone(SHANGHAI) == local(SHANGHAI, 2026, 2, 14, 10, 0)
    # Monday 16 Feb to Monday 23 Feb are the Spring Festival holidays: closed all week.
    after = add_business_minutes(cal, local(SHANGHAI, 2026, 2, 14, 17, 0), 120)
    assert after.astimezone(SHANGHAI) == local(SHANGHAI, 2026, 2, 24, 10, 0)
    # Without the country, Monday 16 Feb is an ordinary Monday.
    plain = Calendar(zone="Asia/Shanghai")
    assert add_business_minutes(plain, local(SHANGHAI, 2026, 2, 13, 17, 0), 120).astimezone(
        SHANGHAI) == local(SHANGHAI, 2026, 2, 16, 10, 0)


def test_the_desks_own_closed_and_open_dates() -> None:
    cal = Calendar(closed=frozenset({date(2026, 3, 9)}), open_days=frozenset({date(2026, 3, 7)}))
    friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert add_business_minutes(cal, friday_5pm, 120) == datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    monday_5pm_before = datetime(2026, 3, 7, 17, 30, tzinfo=UTC)
    assert add_business_minutes(cal, monday_5pm_before, 60) == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_hours_follow_the_wall_clock_across_daylight_saving_changes() -> None:
    cal = Calendar(zone="Europe/Berlin")
    # Clocks go forward on Sunday 29 March 2026: Friday 17:00 CET + 2 h -> Monday 10:00 CEST.
    due = add_business_minutes(cal, local(BERLIN, 2026, 3, 27, 17, 0), 120)
    assert due.astimezone(BERLIN) == local(BERLIN, 2026, 3, 30, 10, 0)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # UTC+2 now, UTC+1 before


def test_a_calendar_that_never_opens_is_refused() -> None:
    with pytest.raises(NeverOpen):
        add_business_minutes(Calendar(hours=((),) * 7), datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_round_the_clock_hours() -> None:
    cal = Calendar(hours=(((0, 24 * 60),),) * 7)
    start = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
    assert add_business_minutes(cal, start, 120) == datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
