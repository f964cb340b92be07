"""SLA clocks follow the ticket's events (desk.actions.sla.clocks); their warnings and
escalations are the `warn_sla` and `escalate_sla` jobs (desk.jobs.functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import AgentReplied, CustomerReplied, TicketCreated, TicketUpdated, handles

if TYPE_CHECKING:
    from sqlmodel import Session

    from desk.jobs.context import JobContext


def sla_policies(session: Session) -> bool:
    """The SLA handlers' `needs`: a policy exists (else no ticket has clocks to follow)."""
    from desk.queries.listening import sla_policies as any_policy

    return any_policy(session)


@handles(TicketCreated, needs=sla_policies)
def sla_start(ctx: JobContext, event: TicketCreated) -> None:
    from desk.actions.sla.clocks import ticket_created

    with ctx.db.session() as session:
        ticket_created(session, event.ticket_id)


def _clock_fields(event: TicketUpdated) -> bool:
    return "priority" in event.changes or "status" in event.changes


@handles(TicketUpdated, when=_clock_fields, needs=sla_policies)
def sla_follow_update(ctx: JobContext, event: TicketUpdated) -> None:
    from desk.actions.sla.clocks import ticket_updated

    with ctx.db.session() as session:
        ticket_updated(session, event.ticket_id, event.changes)


def _public(event: AgentReplied) -> bool:
    return not event.internal


@handles(AgentReplied, when=_public, needs=sla_policies)
def sla_first_response(ctx: JobContext, event: AgentReplied) -> None:
    """A public reply settles the first-response or the running next-response clock."""
    from desk.actions.sla.clocks import agent_replied

    with ctx.db.session() as session:
        agent_replied(session, event.ticket_id, event.message_id)


@handles(CustomerReplied, needs=sla_policies)
def sla_customer_replied(ctx: JobContext, event: CustomerReplied) -> None:
    """A customer's message starts the next-response clock (and resumes a reopened ticket's)."""
    from desk.actions.sla.clocks import customer_replied

    with ctx.db.session() as session:
        customer_replied(session, event.ticket_id, event.message_id)
