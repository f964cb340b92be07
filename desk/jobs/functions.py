"""The job functions. Each is ``verb_noun(ctx, **args)``, synchronous, idempotent.

Two kinds share one table of names: jobs queued by name (a fetch pass, an index rebuild,
a notice) and event handlers (`desk.handlers`), whose jobs `desk.actions.jobs.publish`
writes, one per subscription, when an event is recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from desk import handlers, kb_index
from desk.actions import notifications
from desk.actions.jobs import enqueue
from desk.db import commit
from desk.events import REGISTRY
from desk.jobs.context import JobContext
from desk.mail import fetch as mail_fetch

__all__ = ["JOBS", "JobContext", "JobFunction", "handlers", "run_function"]

JobFunction = Callable[..., None]
log = logging.getLogger(__name__)


def notify_agents(ctx: JobContext, *, ticket_id: int, reason: str) -> None:
    with ctx.db.session() as session:
        notifications.notify_agents(session, ticket_id, reason)


def fetch_mailbox(ctx: JobContext, *, mailbox_id: int) -> None:
    """One fetch pass. A server's failure is recorded on the mailbox, not retried here: the
    poller tries again. More mail than one pass takes queues the next pass."""
    outcome = mail_fetch.fetch_mailbox(ctx.db, ctx.db.settings, mailbox_id)
    if outcome.remaining and not outcome.failed:
        with ctx.db.session() as session:
            enqueue(session, "fetch_mailbox", mailbox_id=mailbox_id)
            commit(session)


def kb_reindex(ctx: JobContext) -> None:
    """Rebuild the knowledge-base index from the database (queued when a search finds it damaged)."""
    kb_index.reindex(ctx.db, ctx.db.settings)


def send_due_surveys(ctx: JobContext) -> None:
    """Every satisfaction survey whose time has come, in batches of one transaction each."""
    from desk.actions.surveys.sending import BATCH
    from desk.actions.surveys.sending import send_due_surveys as send

    while True:
        with ctx.db.session() as session:
            looked_at, _queued = send(session, ctx.db.settings)
            commit(session)
        if looked_at < BATCH:
            return


def run_bulk_action(ctx: JobContext, *, bulk_id: int) -> None:
    """A bulk action over many tickets, one committed chunk at a time (progress shows on its
    page); a retry continues where the last attempt stopped."""
    from desk.actions.tickets.bulk import run_bulk_chunk

    while True:
        with ctx.db.session() as session:
            if run_bulk_chunk(session, ctx.db.settings, bulk_id):
                return


def remind_follow_ups(ctx: JobContext) -> None:
    """Remind the owners of the follow-ups now due (queued at each one's due time)."""
    from desk.actions.tickets.follow_ups import remind_due

    with ctx.db.session() as session:
        remind_due(session, ctx.db.settings)
        commit(session)


def remind_reviews(ctx: JobContext) -> None:
    """Tell owners of the customer records that fell due for review (daily, books itself):
    in the app, then one mail each. A mail that fails is logged, not retried: the reminders
    are recorded and in the app already, and a retry would find nothing new to send."""
    from desk.actions.customers.review_reminders import remind_reviews as remind
    from desk.actions.customers.review_reminders import review_mail
    from desk.mail.account_mail import AccountMailFailed, send_account_mail

    with ctx.db.session() as session:
        reminded = remind(session)
        commit(session)
        mails = [mail for owner, records in reminded.items()
                 if (mail := review_mail(session, ctx.db.settings.base_url, owner, records))]
    for mail in mails:
        try:
            send_account_mail(ctx.db, *mail)
        except AccountMailFailed as exc:
            log.warning("review reminder mail to %s not sent: %s", mail[0], exc)


def send_portal_link(ctx: JobContext, *, customer_id: int, address: str) -> None:
    """Mail a customer portal sign-in link (made here: it is never stored)."""
    from desk.actions.portal import portal_link_mail
    from desk.mail.account_mail import send_account_mail

    settings = ctx.db.settings
    with ctx.db.session() as session:
        mail = portal_link_mail(session, str(settings.secret_key), settings.base_url, customer_id,
                                address)
    if mail is not None:
        send_account_mail(ctx.db, *mail)


def deliver_webhook(ctx: JobContext, *, delivery_id: int) -> None:
    """One attempt at a webhook delivery (queued with the event, and again after a failure)."""
    from desk.jobs.webhooks import deliver

    deliver(ctx.db, delivery_id)


def send_survey_mails(ctx: JobContext, *, outbound_ids: list[int]) -> None:
    """A batch of survey mails: claimed, sent and recorded together (rows that need more go
    back to `send_mail` jobs)."""
    from desk.mail.batch_sender import send_batch

    send_batch(ctx.db, outbound_ids)


def roll_up_reports(ctx: JobContext) -> None:
    """Make the service report's daily figures again (the last week, and any day not made)."""
    from desk.actions.reports.rollup import JOB
    from desk.actions.reports.rollup import roll_up_reports as roll_up

    with ctx.db.session() as session:
        _made, more = roll_up(session)
        if more:  # a first run on a long history: the rest in the next job
            enqueue(session, JOB)
            commit(session)


def warn_sla(ctx: JobContext, *, ticket_id: int, kind: str, due: str) -> None:
    """Warn before an SLA clock's due time (nothing when the clock moved since it was queued)."""
    from desk.actions.sla.escalation import warn

    with ctx.db.session() as session:
        warn(session, ticket_id, kind, due)


def escalate_sla(ctx: JobContext, *, ticket_id: int, kind: str, due: str) -> None:
    """Escalate an SLA breach at the clock's due time (nothing when it moved or was settled)."""
    from desk.actions.sla.escalation import escalate

    with ctx.db.session() as session:
        escalate(session, ctx.db.settings, ticket_id, kind, due)


def run_time_rules(ctx: JobContext) -> None:
    """One pass of the rules on time; books the next while a scheduled rule is enabled (at once
    when this pass left tickets over)."""
    from desk.actions.rules.scheduled import PASS_SECONDS, book_pass
    from desk.actions.rules.scheduled import run_time_rules as run_pass
    from desk.handlers.rules import services

    with ctx.db.session() as session:
        outcome = run_pass(session, services(ctx))
        if outcome.rules:
            book_pass(session, 0 if outcome.more else PASS_SECONDS)
        commit(session)


def prepare_password_reset(ctx: JobContext, *, request_id: int) -> None:
    """A reset link for the account a "forgot your password" request names, if any."""
    from desk.actions.password_resets import prepare_reset

    with ctx.db.session() as session:
        prepare_reset(session, str(ctx.db.settings.secret_key), request_id)


def send_password_reset(ctx: JobContext, *, reset_id: int) -> None:
    """Mail a password reset link (derived again here: it is never stored)."""
    from desk.actions.password_resets import reset_mail
    from desk.mail.account_mail import send_account_mail

    settings = ctx.db.settings
    with ctx.db.session() as session:
        mail = reset_mail(session, str(settings.secret_key), settings.base_url, reset_id)
    if mail is not None:
        send_account_mail(ctx.db, *mail)


def apply_retention(ctx: JobContext) -> None:
    """The retention rules applied (the counts in the audit log); the next daily run booked."""
    from desk.actions.retention.sweep import JOB_ACTOR, run_retention, schedule_next

    with ctx.db.session() as session:
        run_retention(session, ctx.db.settings.attachments_dir, JOB_ACTOR)
        schedule_next(session)


def sweep_quiet_chats(ctx: JobContext) -> None:
    """Chats whose visitor went without a word end as if they had said goodbye (the
    transcript and unread replies by mail, once); books itself while a chat is open."""
    from desk.actions.chat.departures import sweep_quiet_chats as sweep

    with ctx.db.session() as session:
        sweep(session, ctx.db.settings)


def _handler_job(name: str) -> JobFunction:
    def run(ctx: JobContext, **args: Any) -> None:
        REGISTRY.run(name, ctx, args)
    run.__name__ = name
    return run


JOBS: Mapping[str, JobFunction] = {
    "notify_agents": notify_agents,
    "fetch_mailbox": fetch_mailbox,
    "kb_reindex": kb_reindex,
    "send_due_surveys": send_due_surveys,
    "run_bulk_action": run_bulk_action,
    "remind_follow_ups": remind_follow_ups,
    "remind_reviews": remind_reviews,
    "send_portal_link": send_portal_link,
    "apply_retention": apply_retention,
    "prepare_password_reset": prepare_password_reset,
    "send_password_reset": send_password_reset,
    "run_time_rules": run_time_rules,
    "warn_sla": warn_sla,
    "escalate_sla": escalate_sla,
    "roll_up_reports": roll_up_reports,
    "send_survey_mails": send_survey_mails,
    "deliver_webhook": deliver_webhook,
    "sweep_quiet_chats": sweep_quiet_chats,
    **{name: _handler_job(name) for name in REGISTRY.by_name},
}


def run_function(functions: Mapping[str, JobFunction], ctx: JobContext, name: str,
                 args: dict[str, Any]) -> None:
    functions[name](ctx, **args)
