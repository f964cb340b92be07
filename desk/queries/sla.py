"""Reads of SLA policies, clocks and results: which clocks run, who hears of a breach, and the
share of targets met (the reports' "SLA met %")."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from desk.i18n import _
from desk.models import Role, SlaPolicy, SlaResult, Status, TeamMembership, Ticket, TicketSla, User
from desk.models.base import aware

PAUSED = (Status.pending, Status.on_hold)
ENDED = (Status.solved, Status.closed)
KINDS = ("first_response", "next_response", "resolution")
CLOCK_LABELS = {"first_response": _("first response"), "next_response": _("next response"),
                "resolution": _("resolution")}


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.exec(select(SlaPolicy).order_by(col(SlaPolicy.name))))


def get_policy(session: Session, policy_id: int) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id) if 0 < policy_id < 2**31 else None


class Clocks(Protocol):
    """What the due times are read from: a TicketSla, or a row of its columns."""

    @property
    def first_response_met(self) -> bool | None: ...
    @property
    def first_response_due_at(self) -> datetime | None: ...
    @property
    def next_response_started_at(self) -> datetime | None: ...
    @property
    def next_response_due_at(self) -> datetime | None: ...
    @property
    def resolution_met(self) -> bool | None: ...
    @property
    def resolution_due_at(self) -> datetime | None: ...


def unsettled_clocks(clocks: Clocks) -> dict[str, datetime]:
    """The due time of each clock not yet settled, standing or not."""
    found: dict[str, datetime] = {}
    if clocks.first_response_met is None and clocks.first_response_due_at is not None:
        found["first_response"] = aware(clocks.first_response_due_at)
    if clocks.next_response_started_at is not None and clocks.next_response_due_at is not None:
        found["next_response"] = aware(clocks.next_response_due_at)
    if clocks.resolution_met is None and clocks.resolution_due_at is not None:
        found["resolution"] = aware(clocks.resolution_due_at)
    return found


def running_clocks(clocks: TicketSla, ticket: Ticket) -> dict[str, datetime]:
    """The due time of each clock that is counting now (none while paused or once solved)."""
    if clocks.paused_at is not None or ticket.status in ENDED:
        return {}
    return unsettled_clocks(clocks)


def paused_tickets(session: Session, ticket_ids: Collection[int]) -> set[int]:
    """Which of these tickets have SLA clocks standing (pending or on hold)."""
    if not ticket_ids:
        return set()
    return set(session.exec(select(TicketSla.ticket_id).where(
        col(TicketSla.ticket_id).in_(ticket_ids), col(TicketSla.paused_at).is_not(None))))


def team_supervisors(session: Session, team_id: int | None) -> list[User]:
    """The active supervisors of the team; every active supervisor when it has none (or the
    ticket has no team)."""
    query = select(User).where(col(User.is_active).is_(True), col(User.role) == Role.supervisor)
    if team_id is not None:
        members = list(session.exec(query.join(TeamMembership, col(TeamMembership.user_id) == col(User.id))
                                    .where(col(TeamMembership.team_id) == team_id)))
        if members:
            return members
    return list(session.exec(query.order_by(col(User.id))))


@dataclass(frozen=True)
class Met:
    """Targets of one kind that ended in a period: met in time, out of all."""

    met: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


def sla_met(session: Session, since: datetime, until: datetime,
            team_id: int | None = None) -> dict[str, Met]:
    """Per clock kind (first_response, next_response, resolution): the targets met (settled in
    time, in [since, until)) and all targets that ended in the period (those plus the
    breaches recorded in it, settled later or not). `team_id`: the ticket's team when the
    result was recorded."""
    settled_in = and_(col(SlaResult.settled_at) >= since, col(SlaResult.settled_at) < until)
    breached_in = and_(col(SlaResult.breached_at) >= since, col(SlaResult.breached_at) < until)
    met = and_(col(SlaResult.breached_at).is_(None), settled_in)
    query = (select(SlaResult.kind, func.sum(case((met, 1), else_=0)), func.count())
             .where(or_(met, breached_in)).group_by(col(SlaResult.kind)))
    if team_id is not None:
        query = query.where(col(SlaResult.team_id) == team_id)
    found = {kind: Met(int(hits or 0), int(total)) for kind, hits, total in session.exec(query)}
    return {kind: found.get(kind, Met(0, 0)) for kind in KINDS}
