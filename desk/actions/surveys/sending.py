"""Due surveys go out: each one checked again, then written to the outbox in the customer's
language, with a signed link per answer; the mails are sent in batches of SEND_BATCH by
`send_survey_mails` jobs (one commit per batch, not four per mail)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from channels.email.compose import cap_references
from desk import notices
from desk.actions.inserts import insert_row
from desk.actions.jobs import enqueue
from desk.actions.surveys.eligibility import Candidate, Facts, facts_for, skip_reason
from desk.actions.tickets.outbox import outbox_row, threads_of
from desk.models import Customer, OutboundKind, Survey, SurveyStatus, Ticket
from desk.models.base import now
from desk.models.tables import OUTBOX, SURVEYS
from desk.queries.surveys.settings import survey_settings
from desk.settings import Settings
from desk.survey_links import survey_link, survey_token
from desk.threading_ids import new_message_id

BATCH = 500
SEND_BATCH = 100
SEND_JOB = "send_survey_mails"


def _claim(session: Session, survey_id: int, status: str, **values: object) -> bool:
    """Move a scheduled survey on; False when another runner took it first."""
    # Core, not an ORM update: that would search the whole batch in the session each time.
    result = session.connection().execute(SURVEYS.update().where(
        SURVEYS.c.id == survey_id, SURVEYS.c.status == SurveyStatus.scheduled,
    ).values(status=status, **values))
    return result.rowcount == 1


def survey_notice(settings: Settings, survey_id: int, ticket: Ticket, customer: Customer,
                  ratings: tuple[int, ...]) -> notices.Notice:
    """The mail: a link per answer of the scale (`ratings`, on the 5-point scale)."""
    assert ticket.id is not None
    token = survey_token(settings.secret_key, survey_id, ticket.id)
    answers = [(r, survey_link(settings.base_url, token, r)) for r in ratings]
    return notices.survey(customer.locale, ticket.id, ticket.subject, customer.name, answers,
                          scale=len(ratings))


def _send_one(session: Session, settings: Settings, survey: Survey, candidate: Candidate,
              facts: Facts, thread: tuple[str, list[str]], ratings: tuple[int, ...]) -> int | None:
    """The outbox row of one survey (None when it was skipped or taken): two statements."""
    ticket, customer = candidate.ticket, candidate.customer
    assert survey.id is not None and ticket.id is not None
    reason = skip_reason(candidate, facts)
    if reason:
        _claim(session, survey.id, SurveyStatus.skipped, skip_reason=reason)
        return None
    rfc_id = new_message_id(settings)
    notice = survey_notice(settings, survey.id, ticket, customer, ratings)
    outbound_id = insert_row(session, OUTBOX, outbox_row(
        ticket.id, None, OutboundKind.survey, customer.email, notice, rfc_id,
        in_reply_to=thread[0], references=" ".join(cap_references(thread[1])),
        mailbox_id=ticket.mailbox_id))
    if not _claim(session, survey.id, SurveyStatus.sent, sent_at=now(), outbound_id=outbound_id):
        # Another runner sent it meanwhile: this row never leaves.
        session.connection().execute(OUTBOX.delete().where(OUTBOX.c.id == outbound_id))
        return None
    return outbound_id


def send_due_surveys(session: Session, settings: Settings, limit: int = BATCH) -> tuple[int, int]:
    """Up to `limit` due surveys, oldest first, sent or skipped in the caller's transaction:
    (how many were looked at, how many mails were queued). Commit, then call again while
    the first number is `limit`. What the checks and the mails' thread headers need is read
    once for the batch."""
    rows = session.exec(
        select(Survey, Ticket, Customer)
        .join(Ticket, col(Ticket.id) == Survey.ticket_id)
        .join(Customer, col(Customer.id) == Survey.customer_id)
        .where(Survey.status == SurveyStatus.scheduled, col(Survey.due_at) <= now())
        .order_by(col(Survey.due_at), col(Survey.id)).limit(limit)).all()
    ratings = survey_settings(session, settings).ratings
    candidates = [Candidate(ticket, customer) for _survey, ticket, customer in rows]
    facts = facts_for(session, candidates)
    threads = threads_of(session, sorted({s.ticket_id for s, _t, _c in rows}))
    queued = [outbound_id for (survey, _t, _c), candidate in zip(rows, candidates, strict=True)
              if (outbound_id := _send_one(session, settings, survey, candidate, facts,
                                           threads.get(survey.ticket_id, ("", [])), ratings))
              is not None]
    for start in range(0, len(queued), SEND_BATCH):
        enqueue(session, SEND_JOB, outbound_ids=queued[start:start + SEND_BATCH])
    return len(rows), len(queued)
