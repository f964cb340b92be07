"""SLA clocks follow the ticket's events (desk.actions.sla.clocks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import AgentReplied, TicketCreated, TicketUpdated, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(TicketCreated)
def sla_start(ctx: JobContext, event: TicketCreated) -> None:
    from desk.actions.sla.clocks import ticket_created

    with ctx.db.session() as session:
        ticket_created(session, event.ticket_id)


def _clock_fields(event: TicketUpdated) -> bool:
    return "priority" in event.changes or "status" in event.changes


@handles(TicketUpdated, when=_clock_fields)
def sla_follow_update(ctx: JobContext, event: TicketUpdated) -> None:
    from desk.actions.sla.clocks import ticket_updated

    with ctx.db.session() as session:
        ticket_updated(session, event.ticket_id, event.changes)


def _public(event: AgentReplied) -> bool:
    return not event.internal


@handles(AgentReplied, when=_public)
def sla_first_response(ctx: JobContext, event: AgentReplied) -> None:
    from desk.actions.sla.clocks import agent_replied

    with ctx.db.session() as session:
        agent_replied(session, event.ticket_id)
