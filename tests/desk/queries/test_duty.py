"""Working hours in the agent's own time zone, and which state wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk.models import Cover, StaffDuty, User
from desk.queries.duty import effective, on_duty, parse_hours

WEEKDAYS = "09:00-18:00,09:00-18:00,09:00-18:00,09:00-18:00,09:00-18:00,,"


def _duty(zone: str, hours: str = WEEKDAYS) -> StaffDuty:
    return StaffDuty(user_id=1, time_zone=zone, working_hours=hours)


@pytest.mark.parametrize("at, zone, expected", [
    (datetime(2026, 12, 7, 1, 30, tzinfo=UTC), "Asia/Shanghai", True),    # Monday 09:30 in Shanghai
    (datetime(2026, 12, 7, 0, 59, tzinfo=UTC), "Asia/Shanghai", False),   # Monday 08:59
    (datetime(2026, 12, 7, 10, 0, tzinfo=UTC), "Asia/Shanghai", False),   # Monday 18:00: ended
    (datetime(2026, 12, 5, 3, 0, tzinfo=UTC), "Asia/Shanghai", False),    # Saturday
    (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "Europe/Berlin", False),  # Monday 00:30 in Berlin
    # Daylight saving: 08:30 UTC is 09:30 in Berlin in winter, 10:30 in summer; 07:30 UTC is
    # 08:30 in winter (off) and 09:30 in summer (on).
    (datetime(2026, 3, 27, 7, 30, tzinfo=UTC), "Europe/Berlin", False),
    (datetime(2026, 3, 30, 7, 30, tzinfo=UTC), "Europe/Berlin", True),
])
def test_working_hours_are_the_agents_wall_clock(at: datetime, zone: str, expected: bool) -> None:
    assert on_duty(_duty(zone), at) is expected


def test_no_hours_means_always_on_and_24_00_ends_the_day() -> None:
    assert on_duty(None, datetime(2026, 12, 5, 3, tzinfo=UTC))
    assert on_duty(_duty("UTC", ""), datetime(2026, 12, 5, 3, tzinfo=UTC))
    late = _duty("UTC", ",".join(["18:00-24:00"] * 7))
    assert on_duty(late, datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(ValueError):
        parse_hours("18:00-09:00" + ",," * 3)
    with pytest.raises(ValueError):
        parse_hours("09:00-17:00")  # not seven days


def test_a_chosen_state_wins_then_a_cover_then_the_hours() -> None:
    at = datetime(2026, 12, 5, 3, tzinfo=UTC)  # a Saturday: outside the hours
    cover = Cover(user_id=1, delegate_id=2, starts_at=at - timedelta(hours=1),
                  ends_at=at + timedelta(hours=1))
    ana = User(id=1, email="ana@desk.test", name="Ana", availability="available")
    assert effective(ana, _duty("UTC"), None, at).state == "off"
    covered = effective(ana, _duty("UTC"), cover, at)
    assert (covered.state, covered.why) == ("away", "cover")
    ana.availability = "off"
    assert effective(ana, None, cover, at).state == "off"
    ana.availability = "available"
    assert effective(ana, None, None, at).state == "available"
