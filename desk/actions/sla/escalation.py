"""Warnings before an SLA breach and escalation at it, as job rows due at their time (they
survive restarts: the runner finds them in the `job` table, like a survey's).

A job names the clock and the due time it was queued for; when it runs it acts only if that
clock is still running with that due time (a priority change, a pause or a reply moved or
settled it: the job is stale and does nothing) and has not breached already. At a breach, as
the ticket's policy says: the breach is recorded (`results`), the priority goes up one step,
the ticket goes to the named agent and/or team, and the assignee and the team's supervisors
are told in the app and by mail; one history entry says it all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from desk.actions.assignment import hand_over
from desk.actions.audit import Actor, record
from desk.actions.inserts import insert_row
from desk.actions.jobs import enqueue
from desk.actions.sla.results import open_breach, record_breach
from desk.actions.tickets.changes import update_ticket
from desk.actions.tickets.outbox import outbox_row, queue_sends
from desk.db import commit
from desk.i18n import _, gettext_for
from desk.models import (
    AuditEntry,
    Job,
    JobStatus,
    Notification,
    OutboundKind,
    SlaPolicy,
    Team,
    Ticket,
    TicketSla,
    User,
)
from desk.models.base import aware, now
from desk.models.tables import OUTBOX
from desk.notices import Notice
from desk.queries.sla import CLOCK_LABELS, running_clocks, team_supervisors
from desk.settings import Settings
from desk.threading_ids import new_message_id

WARN_JOB = "warn_sla"
ESCALATE_JOB = "escalate_sla"
SLA = Actor("system", None, "SLA")
# The next priority up; urgent stays urgent.
RAISED = {"low": "normal", "normal": "high", "high": "urgent"}
# A due time read back from the database may lose sub-second precision.
SAME = timedelta(seconds=1)


def schedule(session: Session, policy: SlaPolicy, ticket_id: int, kind: str, due: datetime) -> None:
    """Queue the warning (the policy's minutes before, at once when that has passed) and the
    escalation for a clock now due at `due`, unless the same jobs are queued already."""
    args = {"ticket_id": ticket_id, "kind": kind, "due": due.isoformat()}
    moment = now()
    if policy.warn_minutes > 0 and due > moment:
        _enqueue_once(session, WARN_JOB, max(due - timedelta(minutes=policy.warn_minutes), moment), args)
    _enqueue_once(session, ESCALATE_JOB, due, args)


def _enqueue_once(session: Session, name: str, run_at: datetime, args: dict[str, Any]) -> None:
    queued = session.exec(select(Job.args).where(
        col(Job.status) == JobStatus.queued, col(Job.name) == name, col(Job.run_at) == run_at))
    if not any(found == args for found in queued):
        enqueue(session, name, run_at=run_at, **args)


def _current(session: Session, ticket_id: int, kind: str,
             due: str) -> tuple[TicketSla, Ticket, SlaPolicy] | None:
    """The clock, its ticket and policy when the clock still runs with this due time and has
    not breached yet; None for a stale job."""
    clocks, ticket = session.get(TicketSla, ticket_id), session.get(Ticket, ticket_id)
    if clocks is None or ticket is None:
        return None
    current = running_clocks(clocks, ticket).get(kind)
    if current is None or abs(current - datetime.fromisoformat(due)) > SAME:
        return None
    policy = session.get(SlaPolicy, clocks.policy_id)
    if policy is None or open_breach(session, ticket_id, kind) is not None:
        return None
    return clocks, ticket, policy


def warn(session: Session, ticket_id: int, kind: str, due: str) -> bool:
    """Tell the assignee (the team's supervisors when nobody has the ticket) that the clock
    is due soon; commits. False when the job was stale."""
    found = _current(session, ticket_id, kind, due)
    if found is None or _warned(session, ticket_id, kind, due):
        return False
    _, ticket, _ = found
    people = [ticket.assignee_id] if ticket.assignee_id is not None else [
        u.id for u in team_supervisors(session, ticket.team_id)]
    for user_id in dict.fromkeys(p for p in people if p is not None):
        session.add(Notification(user_id=user_id, ticket_id=ticket_id, kind="sla_warning"))
    record(session, SLA, "ticket", ticket_id, "sla_warned", {"clock": [None, kind], "sla_due": [None, due]})
    commit(session)
    return True


def _warned(session: Session, ticket_id: int, kind: str, due: str) -> bool:
    """This clock was warned of this due time already (a warning queued again when the clock
    was counted again inside its warning time)."""
    entries = session.exec(select(AuditEntry.changes).where(
        col(AuditEntry.entity) == "ticket", col(AuditEntry.entity_id) == ticket_id,
        col(AuditEntry.action) == "sla_warned"))
    return any(c.get("clock", [None, None])[1] == kind and c.get("sla_due", [None, None])[1] == due
               for c in entries)


def escalate(session: Session, settings: Settings, ticket_id: int, kind: str, due: str) -> bool:
    """Record the breach and escalate as the policy says; commits. False when the job was
    stale (or came early)."""
    found = _current(session, ticket_id, kind, due)
    moment = now()
    if found is None or aware(datetime.fromisoformat(due)) > moment + SAME:
        return False
    _, ticket, policy = found
    before = ticket.assignee_id
    record_breach(session, ticket, policy.id or 0, kind, aware(datetime.fromisoformat(due)), moment)
    changes, said = _changes(session, policy, ticket)
    if not update_ticket(session, SLA, ticket, changes, action="sla_breached",
                         context={"clock": [None, kind], **said}):
        record(session, SLA, "ticket", ticket_id, "sla_breached", {"clock": [None, kind]})
    if policy.escalate_notify:
        _notify(session, settings, ticket, kind, [before, ticket.assignee_id])
    commit(session)
    return True


def _changes(session: Session, policy: SlaPolicy,
             ticket: Ticket) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The policy's escalation for this ticket (one step up, the named agent and/or team: one
    deleted since is left out), and what the history says besides: whom a delegate covers
    for, or why nobody took the ticket. The new assignee is chosen as assignment chooses
    (`assignment.hand_over`): never one away or off or at capacity, a delegate for one
    covered; when nobody can, the team's queue takes it (or, with no team, it stays)."""
    changes: dict[str, Any] = {}
    if policy.escalate_raise and ticket.priority in RAISED:
        changes["priority"] = RAISED[ticket.priority]
    team_id = policy.escalate_team_id
    if team_id is not None and session.get(Team, team_id) is None:
        team_id = None
    if team_id is not None:
        changes["team_id"] = team_id
    if team_id is None and policy.escalate_agent_id is None:
        return changes, {}
    pick = hand_over(session, policy.escalate_agent_id, team_id, ticket)
    if pick.agent_id is not None:
        changes["assignee_id"] = pick.agent_id
    elif team_id is not None:
        changes["assignee_id"] = None  # nobody can take it now: the team's queue does
    if pick.covering_for is not None:
        return changes, {"covering_for": [None, pick.covering_for.name]}
    return changes, ({"reason": [None, pick.reason]} if pick.agent_id is None and pick.reason else {})


def _notify(session: Session, settings: Settings, ticket: Ticket, kind: str,
            assignees: Iterable[int | None]) -> None:
    """The assignees (before and after) and the team's supervisors: a notification each and
    a mail to each who has an address."""
    assert ticket.id is not None
    people = {u.id: u for u in team_supervisors(session, ticket.team_id)}
    for user_id in assignees:
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None and user.is_active:
            people[user.id] = user
    mails = []
    for user_id, user in people.items():
        assert user_id is not None
        session.add(Notification(user_id=user_id, ticket_id=ticket.id, kind="sla_breached"))
        if user.email:
            mails.append(insert_row(session, OUTBOX, outbox_row(
                ticket.id, None, OutboundKind.notification, user.email,
                _breach_notice(user, ticket, kind, settings.base_url), new_message_id(settings),
                mailbox_id=ticket.mailbox_id)))
    queue_sends(session, mails)


def _breach_notice(user: User, ticket: Ticket, kind: str, base_url: str) -> Notice:
    def t(message: str) -> str:
        return gettext_for(user.locale, message)

    clock = t(CLOCK_LABELS[kind])
    subject = t(_("SLA breached (%(clock)s): [#%(number)s] %(subject)s")) % {
        "clock": clock, "number": ticket.id, "subject": ticket.subject}
    lines = [t(_("The %(clock)s of ticket #%(number)s is overdue: %(subject)s")) % {
        "clock": clock, "number": ticket.id, "subject": ticket.subject},
        f"{base_url.rstrip('/')}/agent/tickets/{ticket.id}"]
    return Notice(subject=subject, text="\n\n".join(lines) + "\n")
