"""Per-mailbox accounting: every fetched mail ends in one outcome, or the books say not."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from desk.actions.mail.stored import ingest_stored, store_raw
from desk.db import commit
from desk.models import RawMessage
from desk.queries.mail.mailboxes import Accounting, mailbox_accounting
from desk.settings import Settings

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def _raw(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def test_counts_every_outcome_per_mailbox_and_balances(session: Session, settings: Settings) -> None:
    mails = [_raw("007-gmail-en-on-wrote-wrapped.eml"), _raw("007-gmail-en-on-wrote-wrapped.eml"),
             _raw("015-autoreply-gmail-vacation.eml"), _raw("020-bounce-postfix-dsn.eml"),
             _raw("025-malformed-binary-noise.eml")]
    ids = store_raw(session, "support", mails)
    commit(session)
    ingest_stored(session, settings, ids[:4])
    store_raw(session, "sales", [_raw("001-foxmail-gbk-original-mail-quote.eml")])
    commit(session)

    books = mailbox_accounting(session)
    support = books["support"]
    assert (support.fetched, support.ingested, support.duplicates, support.autoreplies,
            support.bounces, support.waiting) == (5, 1, 1, 1, 1, 1)
    assert support.balanced
    assert books["sales"] == Accounting(fetched=1, waiting=1)


def test_a_status_nobody_accounts_for_unbalances_the_books(session: Session) -> None:
    (raw_id,) = store_raw(session, "support", [_raw("007-gmail-en-on-wrote-wrapped.eml")])
    row = session.get(RawMessage, raw_id)
    assert row is not None
    row.status = "vanished"  # what a bug elsewhere would leave behind
    session.add(row)
    commit(session)
    support = mailbox_accounting(session)["support"]
    assert (support.fetched, support.accounted, support.balanced) == (1, 0, False)


def test_no_mail_no_books(session: Session) -> None:
    assert mailbox_accounting(session) == {}
