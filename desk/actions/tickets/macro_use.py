"""A macro's actions on one ticket, through `update_ticket` like any edit (the reply box and
bulk runs both use this); in the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.tickets.changes import update_ticket
from desk.events import Event
from desk.models import Ticket
from desk.queries.macros import MacroActions
from desk.queries.tickets.queue import ticket_tags


def apply_macro_actions(session: Session, actor: Actor, ticket: Ticket, actions: MacroActions,
                        *, fields: dict[str, object] | None = None,
                        remove_tags: tuple[str, ...] = ()) -> list[Event]:
    """The macro's status, assignee and added tags; ``fields`` (what the agent chose beside
    the macro) win over the macro's, and ``remove_tags`` are taken off after its tags go on."""
    assert ticket.id is not None
    wanted = {**actions.fields, **(fields or {})}
    tags = None
    if actions.add_tags or remove_tags:
        current = set(ticket_tags(session, ticket.id))
        tags = sorted((current | set(actions.add_tags)) - set(remove_tags))
    return update_ticket(session, actor, ticket, wanted, tags)
