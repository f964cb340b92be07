"""Who is on duty: an agent's working hours in their time zone, their chosen availability,
and who covers for whom. The effective state is what assignment, the chat widget and the
top bar go by:

- off: they chose "off", or it is outside their working hours;
- away: they chose "away", or a cover for them is running (their delegate takes their work);
- available: otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, false, func
from sqlmodel import Session, col, select

from desk.models import OPEN_STATUSES, AuditEntry, Cover, Role, StaffDuty, TeamMembership, Ticket, User
from desk.models.base import aware, now

DAYS = 7  # Monday first, as datetime.weekday()
Span = tuple[time, time] | None
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_hours(text: str) -> tuple[Span, ...] | None:
    """The weekly hours "09:00-17:00,...,," (Monday to Sunday; "" a day off) as spans; None
    for "" (no hours: always on duty). Raises ValueError naming the day (0-6) at fault."""
    if not text.strip():
        return None
    days = text.split(",")
    if len(days) != DAYS:
        raise ValueError(-1)
    spans: list[Span] = []
    for index, day in enumerate(days):
        spans.append(parse_span(day, index))
    return tuple(spans)


def parse_span(day: str, index: int = 0) -> Span:
    """One day's "HH:MM-HH:MM" (start before end; 24:00 ends the day) or None for ""."""
    day = day.strip()
    if not day:
        return None
    found = _SPAN.match(day)
    if found is None:
        raise ValueError(index)
    start = time(int(found[1]), int(found[2]))
    end = time.max if found[3] == "24" else time(int(found[3]), int(found[4]))
    if found[3] == "24" and found[4] != "00" or start >= end:
        raise ValueError(index)
    return start, end


def zone(name: str) -> ZoneInfo:
    """The zone of that IANA name; UTC when empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def on_duty(duty: StaffDuty | None, at: datetime) -> bool:
    """Whether `at` falls inside the working hours (always, without hours)."""
    if duty is None:
        return True
    try:
        spans = parse_hours(duty.working_hours)
    except ValueError:
        return True  # never stored (the form checks), but never lock anyone out for it
    if spans is None:
        return True
    local = at.astimezone(zone(duty.time_zone))
    span = spans[local.weekday()]
    return span is not None and span[0] <= local.time() < span[1]


def skills_of(duty: StaffDuty | None) -> frozenset[str]:
    return frozenset(s for s in (duty.skills.split(",") if duty is not None else []) if s)


@dataclass(frozen=True)
class Duty:
    """An agent's effective state and why: "chosen", "hours" or "cover"."""

    state: str  # available, away, off
    why: str = "chosen"
    cover: Cover | None = None  # the running cover for them (state away)


def effective(user: User, duty: StaffDuty | None, cover: Cover | None, at: datetime) -> Duty:
    if user.availability in ("off", "away"):
        return Duty(user.availability, "chosen", cover)
    if cover is not None:
        return Duty("away", "cover", cover)
    if not on_duty(duty, at):
        return Duty("off", "hours")
    return Duty("available")


def duties(session: Session, user_ids: Iterable[int]) -> dict[int, StaffDuty]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {d.user_id: d for d in session.exec(select(StaffDuty).where(col(StaffDuty.user_id).in_(ids)))}


def running_covers(session: Session, user_ids: Iterable[int] | None = None,
                   at: datetime | None = None) -> dict[int, Cover]:
    """The cover running now for each of these agents (all agents when None), by agent."""
    at = at or now()
    query = select(Cover).where(col(Cover.starts_at) <= at, col(Cover.ends_at) > at)
    if user_ids is not None:
        query = query.where(col(Cover.user_id).in_(list(set(user_ids))))
    return {c.user_id: c for c in session.exec(query.order_by(col(Cover.id)))}


def states(session: Session, users: list[User], at: datetime | None = None) -> dict[int, Duty]:
    """The effective state of each of these staff members, by id."""
    at = at or now()
    ids = [u.id for u in users if u.id is not None]
    rows, covers = duties(session, ids), running_covers(session, ids, at)
    return {u.id: effective(u, rows.get(u.id), covers.get(u.id), at) for u in users if u.id is not None}


def state_of(session: Session, user: User, at: datetime | None = None) -> Duty:
    assert user.id is not None
    return states(session, [user], at)[user.id]


def available_ids(session: Session, user_ids: Iterable[int], at: datetime | None = None) -> set[int]:
    """Which of these active staff are available now (the chat widget, assignment)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    users = list(session.exec(select(User).where(col(User.id).in_(ids))))
    return {i for i, d in states(session, users, at).items() if d.state == "available"}


def covering(session: Session, delegate_id: int, at: datetime | None = None) -> list[tuple[Cover, User]]:
    """The covers `delegate_id` is running now, with whom each is for."""
    at = at or now()
    rows = session.exec(select(Cover, User).join(User, col(User.id) == col(Cover.user_id)).where(
        Cover.delegate_id == delegate_id, col(Cover.starts_at) <= at, col(Cover.ends_at) > at)
        .order_by(col(User.name)))
    return [(c, u) for c, u in rows]


def covers_of(session: Session, user_id: int, at: datetime | None = None) -> list[Cover]:
    """An agent's covers that have not ended, soonest first (the account page)."""
    at = at or now()
    return list(session.exec(select(Cover).where(Cover.user_id == user_id, col(Cover.ends_at) > at)
                             .order_by(col(Cover.starts_at))))


@dataclass(frozen=True)
class CoverShown:
    cover: Cover
    delegate: str
    running: bool
    ended: bool
    given: list[int]
    starts: str = ""  # "YYYY-MM-DD HH:MM" in the agent's time zone
    ends: str = ""  # tickets given to the delegate while it ran (they keep them)


@dataclass(frozen=True)
class DutyView:
    """What the account and staff pages show of someone's duty."""

    state: Duty
    capacity: str
    skills: str
    time_zone: str
    hours: list[tuple[str, str]]  # Monday first; ("", "") a day off
    covers: list[CoverShown]
    colleagues: list[User]  # who can be a delegate


def duty_view(session: Session, user: User) -> DutyView:
    assert user.id is not None
    at = now()
    duty = session.get(StaffDuty, user.id)
    days = (duty.working_hours.split(",") if duty is not None and duty.working_hours else [""] * DAYS)
    hours = [tuple(d.split("-", 1)) if d else ("", "") for d in days]
    names = {u.id: u.name for u in session.exec(select(User))}
    local = zone(duty.time_zone if duty is not None else "")

    def when(moment: datetime) -> str:
        return aware(moment).astimezone(local).strftime("%Y-%m-%d %H:%M")

    shown = [CoverShown(c, names.get(c.delegate_id, ""), aware(c.starts_at) <= at < aware(c.ends_at),
                        aware(c.ends_at) <= at, given_while_covering(session, c), when(c.starts_at),
                        when(c.ends_at))
             for c in covers_of(session, user.id, at - timedelta(days=30))]
    colleagues = list(session.exec(select(User).where(col(User.is_active).is_(True), User.id != user.id)
                                   .order_by(col(User.name))))
    return DutyView(
        state=state_of(session, user, at),
        capacity="" if duty is None or duty.capacity is None else str(duty.capacity),
        skills=", ".join(sorted(skills_of(duty))), time_zone=duty.time_zone if duty is not None else "",
        hours=[(h[0], h[1]) for h in hours], covers=shown, colleagues=colleagues)


def given_while_covering(session: Session, cover: Cover) -> list[int]:
    """The tickets a rule gave the delegate in place of the agent during this cover."""
    rows = session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.action == "cover_assigned",
        col(AuditEntry.at) >= cover.starts_at, col(AuditEntry.at) <= cover.ends_at))
    return sorted({r.entity_id for r in rows if (r.changes.get("cover") or [None, None])[1] == cover.id})


def covered_ids(session: Session, delegate: User, at: datetime | None = None) -> set[int]:
    """Whom `delegate` covers for now (their open tickets are the delegate's to see)."""
    return {c.user_id for c, _u in covering(session, delegate.id or 0, at)}


def covering_condition(session: Session, delegate: User, covered: int) -> ColumnElement[bool]:
    """The open tickets of `covered` while `delegate` covers for them; none otherwise."""
    if covered not in covered_ids(session, delegate):
        return false()
    return and_(col(Ticket.assignee_id) == covered, col(Ticket.status).in_(list(OPEN_STATUSES)))


def known_skills(session: Session) -> set[str]:
    """Every skill an active staff member has (the rule form warns of others)."""
    rows = session.exec(select(StaffDuty).join(User, col(User.id) == col(StaffDuty.user_id)).where(
        col(User.is_active).is_(True), StaffDuty.skills != ""))
    return {s for duty in rows for s in skills_of(duty)}


def staff_with_duty(session: Session, team_id: int | None = None,
                    user_ids: Iterable[int] = ()) -> list[tuple[User, StaffDuty | None]]:
    """Active staff who take tickets (agents, supervisors, admins) with their duty row, by id:
    a team's members, or else these staff members."""
    query = select(User, StaffDuty).outerjoin(StaffDuty, col(StaffDuty.user_id) == col(User.id)).where(
        col(User.is_active).is_(True), col(User.role).in_([Role.agent, Role.supervisor, Role.admin]))
    if team_id is not None:
        query = query.join(TeamMembership, col(TeamMembership.user_id) == col(User.id)).where(
            TeamMembership.team_id == team_id)
    else:
        query = query.where(col(User.id).in_(list(user_ids)))
    return [(u, d) for u, d in session.exec(query.order_by(col(User.id)))]


def open_counts(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """How many open tickets each of these agents has (the "Covering for" side bar)."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.exec(select(Ticket.assignee_id, func.count()).where(
        col(Ticket.assignee_id).in_(ids), col(Ticket.status).in_(list(OPEN_STATUSES)))
        .group_by(col(Ticket.assignee_id)))
    return {i: n for i, n in rows if i is not None}
