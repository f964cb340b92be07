"""Handling a ticket: what an agent (on the page or over the API) changes, writes and sends
again, each a whole use case that commits once. The pieces it composes (`update_ticket`,
`add_agent_reply`, `resend`) run in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.actions.tickets.checks import check_ticket_changes
from desk.actions.tickets.collisions import Seen, check_no_new_messages, claim_version
from desk.actions.tickets.macro_use import apply_macro_actions
from desk.actions.tickets.outbox import resend
from desk.actions.tickets.status_rules import check_status_move
from desk.db import commit
from desk.events import Event
from desk.models import Message, OutboundMessage, Ticket, User
from desk.queries.macros import MacroActions
from desk.settings import Settings


def save_ticket_changes(session: Session, actor: Actor, ticket: Ticket, changes: dict[str, Any],
                        tags: list[str] | None = None, *, seen: Seen | None = None,
                        by: User | None = None) -> list[Event]:
    """Already-validated changes and tags (`update_ticket`), committed. ``by``: the person
    whose hand made the change (page, board, API): raises MoveRefused, writing nothing, for
    a status they may not set (`status_rules`); rules and the system pass nobody. With
    ``seen`` (what the form saw), raises StaleTicket, writing nothing, if the ticket changed
    since."""
    check_status_move(by, ticket, changes, tags)
    if seen is not None:
        claim_version(session, ticket, seen.version)
    events = update_ticket(session, actor, ticket, changes, tags)
    commit(session)
    return events


def reply_to_ticket(
    session: Session, settings: Settings, actor: Actor, agent: User, ticket: Ticket, text: str,
    *, internal: bool, attachments: tuple[Any, ...] = (), status: str = "", seen: Seen | None = None,
    macro: MacroActions | None = None,
) -> Message:
    """A public reply or internal note (`add_agent_reply`), then the ticket set to ``status``
    when that is a valid one ("reply and set status" in one go, as agents expect) and
    ``macro``'s other actions applied; commits. Raises MoveRefused, writing nothing, for a
    status ``agent`` may not set by hand. With ``seen`` (what the page saw), raises
    StaleTicket, writing nothing, when a message came since, or when the reply changes
    properties (a status, or a macro's assignee or tags) and the ticket changed since:
    those would overwrite a colleague's change unseen."""
    if status:
        check_status_move(agent, ticket, {"status": status})
    changes_properties = bool(status) or (macro is not None and bool(
        {k for k in macro.fields if k != "status"} or macro.add_tags))
    if seen is not None:
        check_no_new_messages(session, ticket, seen)
        if changes_properties:
            claim_version(session, ticket, seen.version)
    message, _events = add_agent_reply(session, settings, actor, agent, ticket, text,
                                       internal=internal, attachments=attachments)
    if status:
        checked = check_ticket_changes(session, {"status": status})
        if not checked.errors:
            update_ticket(session, actor, ticket, checked.fields)
    if macro is not None:
        # The macro chose the status in the reply box (the agent may have changed it): the
        # rest of its actions go with the reply.
        apply_macro_actions(session, actor, ticket, MacroActions(
            {k: v for k, v in macro.fields.items() if k != "status"}, macro.add_tags))
    commit(session)
    return message


def send_again(session: Session, actor: Actor, outbound: OutboundMessage) -> bool:
    """A mail that finally failed queued once more (`resend`), committed; False, with
    nothing written, when it had not failed."""
    if not resend(session, actor, outbound):
        return False
    commit(session)
    return True
