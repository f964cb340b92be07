"""Retention: raw mail of finished tickets emptied and customers whose tickets are all finished
anonymised after the days an admin set; a dry run touches nothing; every run is recorded, and
the job books the next one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM
from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.actions.retention.rules import RetentionError, read_rules, save_rules
from desk.actions.retention.sweep import COMMAND_ACTOR, run_retention
from desk.attachment_store import INLINE_MAX
from desk.cli.main import main
from desk.db import Database, commit
from desk.jobs.functions import JOBS
from desk.jobs.runner import execute_job
from desk.models import AuditEntry, Customer, Job, RawMessage, Ticket
from desk.models.base import now
from desk.queries.mail.raw import raw_bytes
from desk.queries.retention import JOB
from desk.settings import Settings


def _mail(sender: str, n: int, answers: str = "") -> bytes:
    reply = f"In-Reply-To: {answers}\n" if answers else ""
    return (f"From: {sender.title()} <{sender}@example.com>\nSubject: Request {n} from {sender}\n"
            f"Message-ID: <{sender}-{n}@example.com>\n{reply}\nPlease call me, {sender.title()}.\n"
            ).encode()


def _ingest(session: Session, settings: Settings, raws: list[bytes]) -> list[int]:
    ids = store_raw(session, "support", raws)
    commit(session)
    ingest_with_retry(session, settings, ids, acknowledge=False)
    return ids


def _age(session: Session, raw_id: int, status: str, days: int) -> int:
    """Make the raw mail and its ticket ``days`` old, the ticket in ``status``; the ticket id."""
    raw = session.get(RawMessage, raw_id)
    assert raw is not None and raw.ticket_id is not None
    then = now() - timedelta(days=days)
    session.connection().execute(text("UPDATE ticket SET status = :s, updated_at = :t WHERE id = :i"),
                                 {"s": status, "t": then, "i": raw.ticket_id})
    session.connection().execute(text("UPDATE rawmessage SET created_at = :t WHERE id = :i"),
                                 {"t": then, "i": raw_id})
    commit(session)
    return raw.ticket_id


@pytest.fixture
def world(session: Session, settings: Settings) -> dict[str, int]:
    """Ada: one ticket closed 400 days ago. Bob: one solved 400 days ago, one still open.
    Cy: solved 10 days ago. A duplicate of Ada's mail, 400 days old, opened nothing."""
    ada, bob_old, bob_open, cy, duplicate = _ingest(session, settings, [
        _mail("ada", 1), _mail("bob", 2), _mail("bob", 3), _mail("cy", 4), _mail("ada", 1)])
    ids = {"ada_raw": ada, "bob_old_raw": bob_old, "bob_open_raw": bob_open, "cy_raw": cy,
           "duplicate_raw": duplicate}
    ids["ada_ticket"] = _age(session, ada, "closed", 400)
    ids["bob_old_ticket"] = _age(session, bob_old, "solved", 400)
    ids["bob_open_ticket"] = _age(session, bob_open, "open", 400)
    ids["cy_ticket"] = _age(session, cy, "solved", 10)
    session.connection().execute(text("UPDATE rawmessage SET created_at = :t WHERE id = :i"),
                                 {"t": now() - timedelta(days=400), "i": duplicate})
    commit(session)
    return ids


def _customer(session: Session, ticket_id: int) -> Customer:
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    session.expire_all()
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    return customer


def test_the_rules_empty_old_raw_mail_and_anonymise_finished_customers_only(
    session: Session, settings: Settings, world: dict[str, int],
) -> None:
    save_rules(session, SYSTEM, {"raw_mail": 30, "anonymise_customers": 365})

    preview = run_retention(session, settings.attachments_dir, COMMAND_ACTOR, dry_run=True)
    assert (preview.raw_mails, preview.customers) == (3, 1)
    assert raw_bytes(session, world["ada_raw"]) != b""
    assert _customer(session, world["ada_ticket"]).anonymised_at is None

    done = run_retention(session, settings.attachments_dir, COMMAND_ACTOR)

    assert (done.raw_mails, done.customers) == (3, 1)
    for emptied in ("ada_raw", "bob_old_raw", "duplicate_raw"):
        assert raw_bytes(session, world[emptied]) == b"", emptied
    for kept in ("bob_open_raw", "cy_raw"):
        assert raw_bytes(session, world[kept]).startswith(b"From: "), kept
    ada = _customer(session, world["ada_ticket"])
    assert ada.anonymised_at is not None and "ada" not in ada.name.lower()
    assert _customer(session, world["bob_open_ticket"]).anonymised_at is None
    assert _customer(session, world["cy_ticket"]).anonymised_at is None
    assert session.get(Ticket, world["ada_ticket"]) is not None  # tickets stay
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).all()
    assert entry.actor_name == "desk retention run"
    assert entry.changes == {"raw_mails_emptied": [30, 3], "customers_anonymised": [365, 1],
                             "ticket_contents_removed": [None, 0]}

    again = run_retention(session, settings.attachments_dir, COMMAND_ACTOR)
    assert (again.raw_mails, again.customers) == (0, 0)


def test_no_rule_no_change(session: Session, settings: Settings, world: dict[str, int]) -> None:
    done = run_retention(session, settings.attachments_dir, COMMAND_ACTOR)
    assert (done.raw_mails, done.customers) == (0, 0)
    assert raw_bytes(session, world["ada_raw"]) != b""
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).all() == []


def test_saving_a_rule_books_the_daily_job_which_records_its_run_and_books_the_next(
    db: Database, session: Session, settings: Settings, world: dict[str, int],
) -> None:
    save_rules(session, SYSTEM, {"raw_mail": 30, "anonymise_customers": None})
    (job,) = session.exec(select(Job).where(Job.name == JOB)).all()
    assert job.run_at > now() + timedelta(minutes=50)  # time to notice a wrong number first
    changed = session.exec(select(AuditEntry).where(AuditEntry.action == "rules_changed")).one()
    assert changed.changes == {"raw_mail": [None, 30]}

    assert job.id is not None
    job.run_at = now() - timedelta(seconds=1)  # its hour has come
    session.add(job)
    commit(session)
    execute_job(db, job.id, JOBS)

    session.expire_all()
    assert raw_bytes(session, world["ada_raw"]) == b""
    ran = session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).one()
    assert ran.actor_name == "Retention job" and ran.changes["raw_mails_emptied"] == [30, 3]
    queued = session.exec(select(Job).where(Job.name == JOB, Job.status == "queued")
                          .order_by(col(Job.id))).all()
    assert len(queued) == 1 and queued[0].run_at > now() + timedelta(hours=23)


@pytest.mark.parametrize("value", ["0", "-3", "ten", "36501"])
def test_a_rule_takes_whole_days_or_nothing(value: str) -> None:
    with pytest.raises(RetentionError) as caught:
        read_rules({"raw_mail": value})
    assert set(caught.value.errors) == {"raw_mail"}
    assert read_rules({"raw_mail": " 90 ", "anonymise_customers": ""}) == {
        "raw_mail": 90, "anonymise_customers": None, "ticket_content": None}


def test_the_command_says_what_a_dry_run_would_take(
    session: Session, settings: Settings, world: dict[str, int], cli_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    save_rules(session, SYSTEM, {"raw_mail": 30, "anonymise_customers": 365})
    assert main(["retention", "run", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("would empty 3 raw mails, would anonymise 1 customers")
    session.expire_all()
    assert raw_bytes(session, world["ada_raw"]) != b""
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).all() == []


def test_the_content_rule_empties_old_finished_tickets_and_keeps_the_ticket_and_its_history(
    session: Session, settings: Settings, world: dict[str, int],
) -> None:
    from channels.message import InboundAttachment
    from desk.actions.ingest.one import add_customer_reply
    from desk.models import Attachment, Message
    from desk.queries.tickets.queue import TicketFilter, list_tickets

    bob_ticket = session.get(Ticket, world["bob_old_ticket"])
    assert bob_ticket is not None
    customer = _customer(session, world["bob_old_ticket"])
    bob_ticket = session.get(Ticket, world["bob_old_ticket"])
    assert bob_ticket is not None
    add_customer_reply(session, settings, bob_ticket, customer, "My passport.", attachments=(
        # Larger than INLINE_MAX: a file, deleted once the sweep commits.
        InboundAttachment("passport.pdf", "application/pdf", b"%PDF secret" + b" " * INLINE_MAX),))
    commit(session)
    _age(session, world["bob_old_raw"], "solved", 400)  # the reply reopened it: solved again
    (attachment,) = session.exec(select(Attachment)).all()
    stored = settings.attachments_dir / attachment.storage_key[:2] / attachment.storage_key
    assert stored.exists()
    history = len(session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == world["bob_old_ticket"])).all())
    save_rules(session, SYSTEM, {"ticket_content": 365})

    assert run_retention(session, settings.attachments_dir, COMMAND_ACTOR, dry_run=True).tickets == 2
    done = run_retention(session, settings.attachments_dir, COMMAND_ACTOR)

    assert done.tickets == 2 and done.raw_mails == 0  # raw mail of those two only, by this rule
    session.expire_all()
    for emptied in ("ada", "bob_old"):
        ticket = session.get(Ticket, world[f"{emptied}_ticket"])
        assert ticket is not None and ticket.content_removed_at is not None
        assert ticket.subject.startswith("Request") and ticket.status in ("closed", "solved")
        texts = [m.text + m.html + m.quoted for m in session.exec(
            select(Message).where(Message.ticket_id == ticket.id))]
        assert texts and set(texts) == {""}
        assert raw_bytes(session, world[f"{emptied}_raw"]) == b""
    for kept in ("bob_open", "cy"):
        assert raw_bytes(session, world[f"{kept}_raw"]).startswith(b"From: ")
        assert "Please call me" in session.exec(select(Message.text).where(
            Message.ticket_id == world[f"{kept}_ticket"])).first()
    assert not session.exec(select(Attachment)).all() and not stored.exists()
    entries = session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == world["bob_old_ticket"])).all()
    assert len(entries) == history + 1 and entries[-1].action == "content_removed"
    assert entries[-1].changes["attachments_deleted"] == [None, 1]
    run = session.exec(select(AuditEntry).where(AuditEntry.action == "ran")).one()
    assert run.changes["ticket_contents_removed"] == [365, 2]
    # The words are gone from search too; the ticket still counts where it did.
    admin_view = TicketFilter(view="solved", q="passport")
    from desk.actions.users import create_user
    admin = create_user(session, SYSTEM, "root@desk.test", "Root", "admin", None)
    commit(session)
    assert list_tickets(session, admin, admin_view).tickets == []
    assert run_retention(session, settings.attachments_dir, COMMAND_ACTOR).tickets == 0
