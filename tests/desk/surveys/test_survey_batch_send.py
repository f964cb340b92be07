"""Due surveys are mailed in batches (one job, one commit per batch) without losing the
single sender's guarantees: each mail reaches the server once, a second job for the same
batch sends nothing, a row another sender holds is left to it, and a temporary refusal
leaves the row queued with a retry of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import col, select

from desk.actions.mail.sending import claim_outbound
from desk.db import Database
from desk.jobs.runner import due_jobs, execute_job
from desk.mail.batch_sender import send_batch
from desk.models import Job, JobStatus, OutboundKind, OutboundMessage, OutboundStatus, User
from desk.settings import Settings
from tests.desk.surveys.helpers import clock_moves, mailed_ticket, run_due_jobs, solve
from tests.desk.test_mail_send import add_mailbox
from tests.smtp_server import SmtpServer

MakeUser = Callable[..., User]


def _due_surveys(db: Database, settings: Settings, smtp_server: SmtpServer, agent: User,
                 count: int) -> None:
    """`count` solved tickets whose surveys are due, their mails not yet written."""
    with db.session() as session:
        add_mailbox(session, settings, smtp_server)
    for i in range(count):
        solve(db, agent, mailed_ticket(db, settings, email=f"c{i}@example.com"))
    run_due_jobs(db)  # schedules the surveys (and sends the acknowledgements)
    smtp_server.messages.clear()
    clock_moves(db, 61)


def _survey_rows(db: Database) -> list[OutboundMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboundMessage).where(
            OutboundMessage.kind == OutboundKind.survey).order_by(col(OutboundMessage.id))))


def test_due_surveys_go_out_in_one_batch_job_each_mail_once(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    _due_surveys(db, settings, smtp_server, make_user("agent"), 3)
    run_due_jobs(db)
    assert len(smtp_server.messages) == 3
    rows = _survey_rows(db)
    assert all(r.status == OutboundStatus.sent and r.attempts == 1 for r in rows)
    with db.session() as session:
        batches = session.exec(select(Job).where(Job.name == "send_survey_mails")).all()
        assert len(batches) == 1 and batches[0].status == JobStatus.done
        assert not session.exec(select(Job).where(Job.name == "send_mail",
                                                  Job.status == JobStatus.queued)).all()
    # The same batch again (a retried or duplicated job): nothing is sent twice.
    assert send_batch(db, [r.id for r in rows if r.id is not None]) == 0
    assert len(smtp_server.messages) == 3


def test_a_row_another_sender_holds_is_left_to_it(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    _due_surveys(db, settings, smtp_server, make_user("agent"), 2)
    while ids := [i for i in due_jobs(db) if _name(db, i) == "send_due_surveys"]:
        for job_id in ids:
            execute_job(db, job_id)
    rows = _survey_rows(db)
    with db.session() as session:
        assert rows[0].id is not None and claim_outbound(session, rows[0].id, timedelta(minutes=5))
    run_due_jobs(db)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[rows[1].to_address]]
    assert _survey_rows(db)[0].status == OutboundStatus.queued
    with db.session() as session:  # its own job waits for the claim to run out
        waiting = session.exec(select(Job).where(Job.name == "send_mail",
                                                 Job.status == JobStatus.queued)).all()
    assert [j.args for j in waiting] == [{"outbound_id": rows[0].id}]


def test_a_temporary_refusal_leaves_the_mail_queued_with_a_retry(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    _due_surveys(db, settings, smtp_server, make_user("agent"), 1)
    smtp_server.fail_with = (451, "Try again later")
    run_due_jobs(db)
    (row,) = _survey_rows(db)
    assert row.status == OutboundStatus.queued and "451" in row.last_error and row.attempts == 1
    with db.session() as session:
        retry = session.exec(select(Job).where(Job.name == "send_mail",
                                               Job.status == JobStatus.queued)).one()
    assert retry.args == {"outbound_id": row.id} and retry.run_at > row.created_at


def _name(db: Database, job_id: int) -> str:
    with db.session() as session:
        job = session.get(Job, job_id)
        return job.name if job is not None else ""
