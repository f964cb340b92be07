"""Follow-ups: set one on a ticket (a due time and a note), mark it done, and remind owners
when theirs fall due (an in-app notification and a mail, once)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from desk.actions.ingest.cleaning import one_line
from desk.actions.input_errors import InputError
from desk.actions.inserts import insert_row
from desk.actions.jobs import enqueue
from desk.actions.tickets.outbox import outbox_row, queue_sends
from desk.db import commit
from desk.i18n import _, gettext_for
from desk.models import Notification, OutboundKind, Ticket, User
from desk.models.base import aware, now
from desk.models.follow_ups import FollowUp
from desk.models.tables import OUTBOX
from desk.notices import Notice
from desk.queries.tickets.follow_ups import due_follow_ups
from desk.settings import Settings
from desk.threading_ids import new_message_id

NOTE_MAX = 500
JOB = "remind_follow_ups"


class FollowUpError(InputError):
    """A follow-up that cannot be saved; ``field`` is "due_at" or "note"."""


def parse_due(raw: str) -> datetime:
    """A due time as the form sends it (``YYYY-MM-DDTHH:MM``, UTC); raises FollowUpError."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise FollowUpError("due_at", _("Give a date and time, like 2026-12-24 09:30.")) from None
    if not 2000 <= value.year <= 2999:
        raise FollowUpError("due_at", _("Give a date and time, like 2026-12-24 09:30."))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def add_follow_up(session: Session, user: User, ticket: Ticket, due_raw: str,
                  note: str) -> FollowUp:
    """A follow-up for ``user`` on ``ticket`` (which they may see), reminded at its due time;
    commits. Raises FollowUpError."""
    due_at = parse_due(due_raw)
    note = one_line(note).strip()
    if len(note) > NOTE_MAX:
        raise FollowUpError("note", _("A note is at most %(max)s characters."), max=str(NOTE_MAX))
    assert user.id is not None and ticket.id is not None
    follow_up = FollowUp(ticket_id=ticket.id, user_id=user.id, due_at=due_at, note=note)
    session.add(follow_up)
    enqueue(session, JOB, run_at=due_at)
    commit(session)
    return follow_up


def complete_follow_up(session: Session, user: User, follow_up: FollowUp) -> None:
    """Mark ``user``'s follow-up done (no reminder after this); commits."""
    if follow_up.user_id != user.id:
        raise FollowUpError("note", _("This follow-up is someone else's."))
    if follow_up.done_at is None:
        follow_up.done_at = now()
        session.add(follow_up)
        commit(session)


def remind_due(session: Session, settings: Settings) -> int:
    """Each due follow-up's owner told once: a notification and a mail (when they have an
    address); returns how many. The caller commits."""
    moment = now()
    reminded = 0
    for follow_up in due_follow_ups(session, moment):
        user, ticket = session.get(User, follow_up.user_id), session.get(Ticket, follow_up.ticket_id)
        follow_up.reminded_at = moment
        session.add(follow_up)
        if user is None or ticket is None or not user.is_active:
            continue
        session.add(Notification(user_id=follow_up.user_id, ticket_id=ticket.id, kind="follow_up"))
        if user.email:
            assert ticket.id is not None
            notice = _reminder(user, ticket, follow_up, settings.base_url)
            outbound = insert_row(session, OUTBOX, outbox_row(
                ticket.id, None, OutboundKind.notification, user.email, notice,
                new_message_id(settings), mailbox_id=ticket.mailbox_id))
            queue_sends(session, [outbound])
        reminded += 1
    return reminded


def _reminder(user: User, ticket: Ticket, follow_up: FollowUp, base_url: str) -> Notice:
    def t(message: str) -> str:
        return gettext_for(user.locale, message)

    due = aware(follow_up.due_at).strftime("%Y-%m-%d %H:%M UTC")
    lines = [t("Time to follow up on ticket #%(number)s: %(subject)s") % {
        "number": ticket.id, "subject": ticket.subject},
        t("Due: %(due)s") % {"due": due}]
    if follow_up.note:
        lines.append(t("Your note: %(note)s") % {"note": follow_up.note})
    lines.append(f"{base_url.rstrip('/')}/agent/tickets/{ticket.id}")
    subject = t("Follow up: [#%(number)s] %(subject)s") % {"number": ticket.id,
                                                          "subject": ticket.subject}
    return Notice(subject=subject, text="\n\n".join(lines) + "\n")
