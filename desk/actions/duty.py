"""An agent's duty as they or an admin set it: working hours and time zone, capacity (most
open tickets), skills; and covers: a delegate who takes their work for a period. Each use
case checks its input (DutyError names the form field), writes, audits on the staff
member's record, and commits once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.staff import StaffError
from desk.db import committed
from desk.i18n import _
from desk.models import Cover, StaffDuty, User
from desk.models.base import aware, now
from desk.queries.duty import DAYS, covers_of, parse_span

MAX_CAPACITY = 10_000
MAX_SKILLS = 20
MAX_COVER = timedelta(days=366)
_SKILL = re.compile(r"^[\w][\w.+#-]{0,49}$")


class DutyError(StaffError):
    """Duty or cover input that cannot be saved; `field` names the form field at fault."""


def save_duty(session: Session, actor: Actor, user: User, capacity: str, skills: str, time_zone: str,
              hours: list[tuple[str, str]]) -> None:
    """Capacity ("" no limit), skills (comma-separated), time zone (IANA, "" UTC) and the
    seven days' hours, Monday first ("", "" a day off; all empty: no hours)."""
    assert user.id is not None
    values = {"capacity": _capacity(capacity), "skills": ",".join(_skills(skills)),
              "time_zone": _zone(time_zone), "working_hours": _hours(hours)}
    with committed(session):
        duty = session.get(StaffDuty, user.id) or StaffDuty(user_id=user.id)
        diff = {k: [getattr(duty, k), v] for k, v in values.items() if getattr(duty, k) != v}
        if diff:
            for name, (_before, after) in diff.items():
                setattr(duty, name, after)
            session.add(duty)
            record(session, actor, "user", user.id, "updated", diff)


def _capacity(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_CAPACITY:
        raise DutyError("capacity", _("A whole number from 0 to 10000, or empty for no limit."))
    return int(text)


def _skills(text: str) -> list[str]:
    skills = sorted({s.strip().lower() for s in text.replace("，", ",").split(",") if s.strip()})
    if len(skills) > MAX_SKILLS or not all(_SKILL.match(s) for s in skills):
        raise DutyError("skills", _("Up to 20 skills of 1 to 50 letters or digits, separated by commas."))
    return skills


def _zone(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DutyError("time_zone",
                        _("Not a time zone: write it as Asia/Shanghai or Europe/Berlin.")) from None
    return name


def _hours(hours: list[tuple[str, str]]) -> str:
    if len(hours) != DAYS:
        raise DutyError("hours", _("Give the hours of each day of the week."))
    days = []
    for index, (start, end) in enumerate(hours):
        start, end = start.strip()[:5], end.strip()[:5]
        if not start and not end:
            days.append("")
            continue
        span = f"{start}-{end}"
        try:
            parse_span(span, index)
        except ValueError:
            raise DutyError(f"hours{index}", _("A start and an end (HH:MM), the start first.")) from None
        days.append(span)
    return ",".join(days) if any(days) else ""


def start_cover(session: Session, actor: Actor, user: User, delegate: User | None, starts: str,
                ends: str) -> Cover:
    """`delegate` covers for `user` from `starts` until `ends` (local times "YYYY-MM-DDTHH:MM"
    in the agent's time zone, as a datetime-local field sends them)."""
    assert user.id is not None
    if delegate is None or not delegate.is_active or delegate.id is None:
        raise DutyError("delegate", _("Choose an active colleague."))
    if delegate.id == user.id:
        raise DutyError("delegate", _("Choose someone else to cover for you."))
    duty = session.get(StaffDuty, user.id)
    zone = ZoneInfo(duty.time_zone) if duty is not None and duty.time_zone else ZoneInfo("UTC")
    start, end = _moment(starts, zone, "starts"), _moment(ends, zone, "ends")
    if end <= start or end <= now():
        raise DutyError("ends", _("The end comes after the start, and after now."))
    if end - start > MAX_COVER:
        raise DutyError("ends", _("A cover lasts at most a year."))
    if any(aware(c.starts_at) < end and start < aware(c.ends_at) for c in covers_of(session, user.id)):
        raise DutyError("starts", _("Another cover for you runs in this period: end it first."))
    if any(aware(c.starts_at) < end and start < aware(c.ends_at) for c in covers_of(session, delegate.id)):
        raise DutyError("delegate", _("%(name)s is away with a cover of their own in this period."),
                        name=delegate.name)
    with committed(session):
        cover = Cover(user_id=user.id, delegate_id=delegate.id, starts_at=start, ends_at=end)
        session.add(cover)
        session.flush()
        record(session, actor, "user", user.id, "cover_set", {
            "delegate": [None, delegate.name], "starts_at": [None, start.isoformat()],
            "ends_at": [None, end.isoformat()]})
    return cover


def _moment(text: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        local = datetime.fromisoformat(text.strip()[:16])
    except ValueError:
        raise DutyError(field, _("A date and time.")) from None
    return local.replace(tzinfo=zone) if local.tzinfo is None else local


def end_cover(session: Session, actor: Actor, user: User, cover_id: int) -> None:
    """The cover ends now (one not started yet never runs); the delegate keeps only what was
    given to them while it ran."""
    assert user.id is not None
    cover = session.get(Cover, cover_id)
    if cover is None or cover.user_id != user.id or aware(cover.ends_at) <= now():
        return
    with committed(session):
        moment = max(aware(cover.starts_at), now())
        cover.ends_at = moment
        session.add(cover)
        record(session, actor, "user", user.id, "cover_ended", {"ends_at": [None, moment.isoformat()]})

