"""Moving a ticket to another status from the board: who may set which status, then the
very change the ticket page saves (`save_ticket_changes`: history, events, rules, SLA)."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.input_errors import InputError
from desk.actions.tickets.checks import check_ticket_changes
from desk.actions.tickets.collisions import Seen, StaleTicket
from desk.actions.tickets.handling import save_ticket_changes
from desk.i18n import _
from desk.models import Role, Status, Ticket, User
from desk.queries.tickets.queue import can_see


class MoveRefused(InputError):
    """A status this agent may not set on this ticket; ``message`` says why."""


def refusal(user: User, ticket: Ticket, status: str) -> str:
    """Why ``user`` may not move ``ticket`` to ``status`` (a msgid), or "" when they may."""
    if status not in {s.value for s in Status}:
        return _("There is no such status.")
    if ticket.status == Status.closed and status != Status.closed:
        return _("A closed ticket stays closed: when the customer writes again, "
                 "a new ticket follows it.")
    if status == Status.new and ticket.status != Status.new:
        return _("A ticket goes back to New only when nobody has worked on it: choose Open.")
    if status == Status.closed and ticket.status != Status.closed \
            and user.role not in (Role.supervisor, Role.admin):
        return _("Only supervisors and admins close tickets by hand: mark it Solved.")
    return ""


def allowed_statuses(user: User, ticket: Ticket) -> list[str]:
    """The statuses ``user`` may move ``ticket`` to, its own included (the move menu)."""
    return [s.value for s in Status if s == ticket.status or not refusal(user, ticket, s.value)]


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
                            seen=None if seen is None else Seen(seen))
    except StaleTicket:
        session.rollback()
        raise MoveRefused("version", _("Someone changed #%(number)s since the board was loaded: "
                                       "it is shown as it is now, move it again if you still "
                                       "want to."), number=str(ticket.id)) from None
    return True
