"""The job functions. Each is ``verb_noun(ctx, **args)``, synchronous, idempotent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from desk import kb_index
from desk.actions.jobs import enqueue
from desk.db import Database, commit
from desk.mail import fetch as mail_fetch
from desk.mail.sender import send_outbound
from desk.models import Notification, TeamMembership, Ticket, User


@dataclass(frozen=True)
class JobContext:
    db: Database


JobFunction = Callable[..., None]


def _recipients(ticket: Ticket, reason: str, members: list[int]) -> list[int]:
    """Who hears about it: the assignee, else the ticket's team. Unrouted tickets
    notify nobody one by one; the 'unassigned' view is their notice."""
    if ticket.assignee_id is not None:
        return [ticket.assignee_id]
    return members if ticket.team_id is not None and reason != "assigned" else []


def notify_agents(ctx: JobContext, *, ticket_id: int, reason: str) -> None:
    with ctx.db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return
        members: list[int] = []
        if ticket.team_id is not None and ticket.assignee_id is None:
            query = (
                select(TeamMembership.user_id)
                .join(User, User.id == TeamMembership.user_id)  # type: ignore[arg-type]
                .where(TeamMembership.team_id == ticket.team_id, User.is_active == True)  # noqa: E712
            )
            members = list(session.exec(query))
        for user_id in _recipients(ticket, reason, members):
            session.add(Notification(user_id=user_id, ticket_id=ticket_id, kind=reason))
        commit(session)


def fetch_mailbox(ctx: JobContext, *, mailbox_id: int) -> None:
    """One fetch pass. A server's failure is recorded on the mailbox, not retried here: the
    poller tries again. More mail than one pass takes queues the next pass."""
    outcome = mail_fetch.fetch_mailbox(ctx.db, ctx.db.settings, mailbox_id)
    if outcome.remaining and not outcome.failed:
        with ctx.db.session() as session:
            enqueue(session, "fetch_mailbox", mailbox_id=mailbox_id)
            commit(session)


def send_mail(ctx: JobContext, *, outbound_id: int) -> None:
    """Send one outbox row; raises SendDeferred (so the runner retries) on a temporary failure."""
    send_outbound(ctx.db, outbound_id)


def kb_index_articles(ctx: JobContext, *, article_ids: list[int]) -> None:
    """Bring these articles' search entries up to date (the index's one writer). Another writer
    holding the lock past 30 s raises WriterBusy, which the runner retries with its backoff."""
    kb_index.index_articles(ctx.db, ctx.db.settings, article_ids)


def kb_reindex(ctx: JobContext) -> None:
    """Rebuild the knowledge-base index from the database (queued when a search finds it damaged)."""
    kb_index.reindex(ctx.db, ctx.db.settings)


JOBS: Mapping[str, JobFunction] = {
    "notify_agents": notify_agents,
    "send_mail": send_mail,
    "fetch_mailbox": fetch_mailbox,
    "kb_index_articles": kb_index_articles,
    "kb_reindex": kb_reindex,
}


def run_function(functions: Mapping[str, JobFunction], ctx: JobContext, name: str,
                 args: dict[str, Any]) -> None:
    functions[name](ctx, **args)
