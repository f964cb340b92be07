"""Which statuses a person may set on a ticket by hand. One rule for the board, the ticket
page, a reply that sets a status, bulk runs and the API: `save_ticket_changes`,
`reply_to_ticket` and the bulk run check it with the person whose hand it is. Rules, SLA
escalations and the system set any status: they pass no person."""

from __future__ import annotations

from collections.abc import Sequence

from desk.actions.input_errors import InputError
from desk.i18n import _
from desk.models import Role, Status, Ticket, User


class MoveRefused(InputError):
    """A status this person may not set on this ticket; ``message`` says why."""


def refusal(user: User, ticket: Ticket, status: str, tags: Sequence[str] | None = None) -> str:
    """Why ``user`` may not move ``ticket`` to ``status`` (a msgid), or "" when they may.
    ``tags``: the tags the same change leaves on the ticket; closing it as spam (tagged
    `spam`, the ticket page's Spam button) is every agent's to do."""
    if status not in {s.value for s in Status}:
        return _("There is no such status.")
    if status == ticket.status:
        return ""
    if ticket.status == Status.closed:
        return _("A closed ticket stays closed: when the customer writes again, "
                 "a new ticket follows it.")
    if status == Status.new:
        return _("A ticket goes back to New only when nobody has worked on it: choose Open.")
    if status == Status.closed and user.role not in (Role.supervisor, Role.admin) \
            and "spam" not in (tags or ()):
        return _("Only supervisors and admins close tickets by hand: mark it Solved.")
    return ""


def allowed_statuses(user: User, ticket: Ticket) -> list[str]:
    """The statuses ``user`` may move ``ticket`` to, its own included (the move menu, the
    ticket page's status lists)."""
    return [s.value for s in Status if not refusal(user, ticket, s.value)]


def check_status_move(user: User | None, ticket: Ticket, changes: dict[str, object],
                      tags: Sequence[str] | None = None) -> None:
    """Raise MoveRefused when ``changes`` set a status ``user`` may not set by hand; None
    (a rule, the system) may set any."""
    status = changes.get("status")
    if user is None or not isinstance(status, str):
        return
    reason = refusal(user, ticket, status, tags)
    if reason:
        raise MoveRefused("status", reason)
