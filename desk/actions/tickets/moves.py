"""Moving a ticket to another status from the board: the very change the ticket page saves
(`save_ticket_changes`: the status rules of `status_rules`, history, events, rules, SLA)."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.tickets.checks import check_ticket_changes
from desk.actions.tickets.collisions import Seen, StaleTicket
from desk.actions.tickets.handling import save_ticket_changes
from desk.actions.tickets.status_rules import MoveRefused, allowed_statuses, refusal
from desk.i18n import _
from desk.models import Ticket, User
from desk.queries.tickets.queue import can_see

__all__ = ["MoveRefused", "allowed_statuses", "move_ticket"]  # what the board imports


def move_ticket(session: Session, actor: Actor, user: User, ticket: Ticket, status: str,
                seen: int | None = None) -> bool:
    """``ticket`` set to ``status`` by ``user`` exactly as the ticket page saves it; commits.
    False when it already had that status (nothing written). Raises MoveRefused; with
    ``seen`` (the version the board showed), MoveRefused too when the ticket changed since,
    with nothing written."""
    if not can_see(session, user, ticket):
        raise MoveRefused("status", _("You may not change this ticket."))
    reason = refusal(user, ticket, status)
    if reason:
        raise MoveRefused("status", reason)
    if ticket.status == status:
        return False
    checked = check_ticket_changes(session, {"status": status})
    if checked.errors:
        raise MoveRefused("status", _("There is no such status."))
    try:
        save_ticket_changes(session, actor, ticket, checked.fields,
                            seen=None if seen is None else Seen(seen), by=user)
    except StaleTicket:
        session.rollback()
        raise MoveRefused("version", _("Someone changed #%(number)s since the board was loaded: "
                                       "it is shown as it is now, move it again if you still "
                                       "want to."), number=str(ticket.id)) from None
    return True
