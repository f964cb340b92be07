"""What became of each SLA target, for reports (`desk.queries.sla.sla_met`): a breach is
written when the escalation job finds the clock past due; the reply or solve that settles the
clock ends that row, or writes one (met, or late without a breach recorded yet)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.models import SlaResult, Ticket


def open_breach(session: Session, ticket_id: int, kind: str) -> SlaResult | None:
    """The clock's breach not yet settled (a clock breaches once until it is settled)."""
    return session.exec(select(SlaResult).where(
        col(SlaResult.ticket_id) == ticket_id, col(SlaResult.kind) == kind,
        col(SlaResult.settled_at).is_(None))).first()


def record_breach(session: Session, ticket: Ticket, policy_id: int, kind: str, due: datetime,
                  moment: datetime) -> SlaResult:
    assert ticket.id is not None
    row = SlaResult(ticket_id=ticket.id, kind=kind, policy_id=policy_id, team_id=ticket.team_id,
                    due_at=due, breached_at=moment)
    session.add(row)
    return row


def record_settled(session: Session, ticket: Ticket, policy_id: int, kind: str, due: datetime,
                   moment: datetime, met: bool) -> None:
    """The clock was settled at `moment`: its open breach ends, or a row says whether it was met
    (late without a recorded breach: breached at its due time)."""
    assert ticket.id is not None
    breach = open_breach(session, ticket.id, kind)
    if breach is not None:
        breach.settled_at = moment
        session.add(breach)
        return
    session.add(SlaResult(ticket_id=ticket.id, kind=kind, policy_id=policy_id, team_id=ticket.team_id,
                          due_at=due, breached_at=None if met else due, settled_at=moment))


def end_open_breaches(session: Session, ticket_id: int, kinds: Sequence[str], moment: datetime) -> None:
    """Breaches of these clocks end without an answer (the ticket was solved)."""
    session.execute(update(SlaResult).where(
        col(SlaResult.ticket_id) == ticket_id, col(SlaResult.kind).in_(kinds),
        col(SlaResult.settled_at).is_(None)).values(settled_at=moment))
