"""Whether anything listens to an event: asked once per transaction that records events
(desk.events `needs`), so the intake writes no job that would find nothing to do.

An enabled rule on the event, or any SLA policy (a ticket has clocks only under one). A rule
saved after an event was recorded does not act on it: rules act on what happens after they
are saved (the same as a rule saved after its job ran)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import Rule, SlaPolicy


def rules_on(session: Session, event: str) -> bool:
    """Whether an enabled rule runs on `event`."""
    # Core, not the ORM: asked on every transaction that records events.
    return any(event in events.split(",") for events, in session.connection().execute(
        select(Rule.events).where(col(Rule.enabled).is_(True))))


def sla_policies(session: Session) -> bool:
    """Whether the desk has an SLA policy (else no ticket has clocks)."""
    return session.exec(select(SlaPolicy.id).limit(1)).first() is not None
