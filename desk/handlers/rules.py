"""Routing rules run on new tickets and on customers' replies (desk.actions.rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import CustomerReplied, TicketCreated, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(TicketCreated)
def run_rules_on_created(ctx: JobContext, event: TicketCreated) -> None:
    from desk.actions.rules.applying import run_rules

    with ctx.db.session() as session:
        run_rules(session, event.ticket_id, "ticket_created")


@handles(CustomerReplied)
def run_rules_on_reply(ctx: JobContext, event: CustomerReplied) -> None:
    from desk.actions.rules.applying import run_rules

    with ctx.db.session() as session:
        run_rules(session, event.ticket_id, "customer_replied", event.message_id)
