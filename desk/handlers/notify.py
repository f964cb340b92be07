"""Agents hear about their tickets: a customer wrote again, a ticket was routed or assigned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import CustomerReplied, TicketUpdated, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


def _not_chat(event: CustomerReplied) -> bool:
    """A chat's messages reach the agent live (queue, ticket page); a notification for each
    line of a conversation would bury the ones that matter."""
    return event.channel != "chat"


@handles(CustomerReplied, when=_not_chat)
def notify_customer_replied(ctx: JobContext, event: CustomerReplied) -> None:
    from desk.actions.notifications import notify_agents

    with ctx.db.session() as session:
        notify_agents(session, event.ticket_id, "customer_replied")


def _routed(event: TicketUpdated) -> bool:
    return "assignee_id" in event.changes or "team_id" in event.changes


@handles(TicketUpdated, when=_routed)
def notify_ticket_routed(ctx: JobContext, event: TicketUpdated) -> None:
    """An assignee hears of the ticket given to them; a team, of a ticket routed to it
    without an assignee. A new ticket has neither, so it notifies nobody one by one."""
    from desk.actions.notifications import notify_agents

    reason = "assigned" if "assignee_id" in event.changes else "routed"
    with ctx.db.session() as session:
        notify_agents(session, event.ticket_id, reason)
