"""One retention run: the rules applied in committed batches, the counts recorded in the audit
log. A run stops at ``MAX_RAW_MAILS``, ``MAX_CUSTOMERS`` and ``MAX_TICKETS``; the next run
goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.customers.privacy import anonymise_customer, remove_files
from desk.actions.jobs import enqueue
from desk.actions.retention.content import remove_ticket_content
from desk.db import commit, committed
from desk.models import Customer, RetentionKind
from desk.models.base import now
from desk.models.tables import RAW_BYTES
from desk.queries.retention import (
    JOB,
    customers_due,
    cutoff,
    next_run,
    raw_mail_due,
    retention_days,
    tickets_due,
)

BATCH = 1000
MAX_RAW_MAILS = 200_000
MAX_CUSTOMERS = 5_000
MAX_TICKETS = 20_000
EVERY = timedelta(days=1)
JOB_ACTOR = Actor("system", None, "Retention job")
COMMAND_ACTOR = Actor("system", None, "desk retention run")


@dataclass
class RetentionOutcome:
    days: dict[str, int | None]
    raw_mails: int = 0
    customers: int = 0
    tickets: int = 0
    dry_run: bool = False
    # Ids the run would take (a dry run) or took, for the caller to show.
    customer_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        verb = "would empty" if self.dry_run else "emptied"
        anonymise = "would anonymise" if self.dry_run else "anonymised"
        rules = ", ".join(f"{kind} after {days} days" if days else f"{kind} off"
                          for kind, days in self.days.items())
        emptied = "would empty" if self.dry_run else "emptied"
        return (f"{verb} {self.raw_mails} raw mails, {anonymise} {self.customers} customers, "
                f"{emptied} the content of {self.tickets} tickets ({rules})")


def run_retention(session: Session, attachments_dir: Path, actor: Actor,
                  dry_run: bool = False) -> RetentionOutcome:
    """Apply every rule that is on. A dry run counts what would be done and writes nothing;
    a run commits batch by batch and records its counts (an "ran" audit row) at the end."""
    days = retention_days(session)
    outcome = RetentionOutcome(days, dry_run=dry_run)
    raw_days = days[RetentionKind.raw_mail.value]
    if raw_days:
        outcome.raw_mails = _raw_mail(session, cutoff(raw_days), dry_run)
    customer_days = days[RetentionKind.anonymise_customers.value]
    if customer_days:
        outcome.customer_ids = _customers(session, cutoff(customer_days), attachments_dir, actor,
                                         dry_run)
        outcome.customers = len(outcome.customer_ids)
    ticket_days = days[RetentionKind.ticket_content.value]
    if ticket_days:
        outcome.tickets = _tickets(session, cutoff(ticket_days), attachments_dir, actor, dry_run)
    if not dry_run and (raw_days or customer_days or ticket_days):  # every rule off: none ran
        record(session, actor, "retention", 0, "ran", {
            "raw_mails_emptied": [raw_days, outcome.raw_mails],
            "customers_anonymised": [customer_days, outcome.customers],
            "ticket_contents_removed": [ticket_days, outcome.tickets]})
        commit(session)
    return outcome


def _raw_mail(session: Session, before: datetime, dry_run: bool) -> int:
    if dry_run:
        return len(raw_mail_due(session, before, MAX_RAW_MAILS))
    done = 0
    while done < MAX_RAW_MAILS:
        ids = raw_mail_due(session, before, min(BATCH, MAX_RAW_MAILS - done))
        if not ids:
            break
        session.connection().execute(
            update(RAW_BYTES).where(RAW_BYTES.c.raw_id.in_(ids)).values(raw=b""))
        commit(session)
        done += len(ids)
    return done


def _customers(session: Session, before: datetime, attachments_dir: Path, actor: Actor,
               dry_run: bool) -> list[int]:
    due = customers_due(session, before, MAX_CUSTOMERS)
    if dry_run:
        return due
    taken: list[int] = []
    for customer_id in due:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.anonymised_at is not None:
            continue
        # One customer per transaction: a long run never holds locks for long.
        with committed(session):
            done = anonymise_customer(session, actor, customer, attachments_dir)
        remove_files(done.files)
        taken.append(customer_id)
    return taken


def _tickets(session: Session, before: datetime, attachments_dir: Path, actor: Actor,
             dry_run: bool) -> int:
    due = tickets_due(session, before, MAX_TICKETS)
    if dry_run:
        return len(due)
    for ticket_id in due:
        # One ticket per transaction, its files deleted once it committed.
        with committed(session):
            files = remove_ticket_content(session, actor, ticket_id, attachments_dir)
        remove_files(files)
    return len(due)


def schedule_next(session: Session) -> None:
    """Queue the next daily run while a rule is on (and none is queued); commits."""
    if any(days is not None for days in retention_days(session).values()) and next_run(session) is None:
        enqueue(session, JOB, run_at=now() + EVERY)
        commit(session)
