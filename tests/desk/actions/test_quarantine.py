"""The quarantine: a bad mail is set aside alone, then retried or discarded by an admin."""

from __future__ import annotations

import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import Actor
from desk.actions.mail.quarantine import (
    NotQuarantined,
    QuarantineError,
    discard_quarantined,
    ingest_with_retry,
    retry_quarantined,
)
from desk.actions.mail.stored import store_raw
from desk.attachment_store import INLINE_MAX
from desk.db import commit
from desk.models import AuditEntry, RawMessage, Ticket
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "email"
ADMIN = Actor("user", 1, "Ada Admin")


def mail(n: int, attachment: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <c{n}@example.com>"
    msg["To"] = "support@desk.test"
    msg["Subject"] = f"Request {n}"
    msg["Message-ID"] = f"<req-{n}@example.com>"
    msg.set_content(f"Help with thing {n}, please.")
    if attachment:  # larger than INLINE_MAX: kept as a file, so a broken disk refuses it
        msg.add_attachment(b"%PDF-1.4 invoice" + b" " * INLINE_MAX, maintype="application",
                           subtype="pdf", filename="invoice.pdf")
    return msg.as_bytes()


def stored(session: Session, *raws: bytes) -> list[int]:
    ids = store_raw(session, "support", list(raws))
    commit(session)
    return ids


def row_of(session: Session, raw_id: int) -> RawMessage:
    session.expire_all()
    row = session.get(RawMessage, raw_id)
    assert row is not None
    return row


def break_attachment_storage(settings: Settings) -> None:
    """A full or broken disk, for real: a file where the attachments folder should be."""
    shutil.rmtree(settings.attachments_dir, ignore_errors=True)
    settings.attachments_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("not a folder")


def audit_of(session: Session, raw_id: int) -> list[tuple[str, str | None, dict[str, object]]]:
    rows = session.exec(select(AuditEntry).where(AuditEntry.entity == "raw_message",
                                                 AuditEntry.entity_id == raw_id)
                        .order_by(col(AuditEntry.id)))
    return [(r.action, r.actor_name, r.changes) for r in rows]


def test_batch_with_one_poisoned_mail_opens_the_others_and_quarantines_only_it(
    session: Session, settings: Settings,
) -> None:
    break_attachment_storage(settings)
    ids = stored(session, mail(1), mail(2), mail(3, attachment=True), mail(4), mail(5))
    report = ingest_with_retry(session, settings, ids)
    assert (report.opened, report.quarantined) == (4, 1)
    statuses = [row_of(session, i).status for i in ids]
    assert statuses == ["ingested", "ingested", "quarantined", "ingested", "ingested"]
    poisoned = row_of(session, ids[2])
    assert poisoned.ticket_id is None
    assert poisoned.error.startswith(("FileExistsError", "NotADirectoryError")), poisoned.error
    subjects = sorted(t.subject for t in session.exec(select(Ticket)))
    assert subjects == ["Request 1", "Request 2", "Request 4", "Request 5"]


def test_two_poisoned_mails_are_both_found_and_a_reply_still_threads_across_the_split(
    session: Session, settings: Settings,
) -> None:
    break_attachment_storage(settings)
    reply = mail(2)
    reply = reply.replace(b"Subject: Request 2", b"Subject: Re: Request 1\nIn-Reply-To: <req-1@example.com>")
    ids = stored(session, mail(1), reply, mail(3, attachment=True), mail(4),
                 mail(5, attachment=True), mail(6))
    report = ingest_with_retry(session, settings, ids)
    assert (report.opened, report.threaded, report.quarantined) == (3, 1, 2)
    rows = [row_of(session, i) for i in ids]
    assert [r.status for r in rows] == ["ingested", "ingested", "quarantined", "ingested",
                                        "quarantined", "ingested"]
    assert rows[1].ticket_id == rows[0].ticket_id


def test_retry_after_the_cause_is_fixed_turns_the_mail_into_a_ticket(
    session: Session, settings: Settings,
) -> None:
    break_attachment_storage(settings)
    (raw_id,) = stored(session, mail(7, attachment=True))
    assert ingest_with_retry(session, settings, [raw_id]).quarantined == 1
    settings.attachments_dir.unlink()
    report = retry_quarantined(session, settings, ADMIN, raw_id)
    row = row_of(session, raw_id)
    assert (report.opened, row.status, row.error) == (1, "ingested", "")
    ticket = session.get(Ticket, row.ticket_id)
    assert ticket is not None and ticket.subject == "Request 7"
    (action, who, changes), = audit_of(session, raw_id)
    assert (action, who, changes["status"]) == ("retried", "Ada Admin", ["quarantined", "stored"])


def test_retry_of_mail_the_parser_rejects_keeps_it_quarantined_with_the_error(
    session: Session, settings: Settings,
) -> None:
    (raw_id,) = stored(session, (GOLDEN / "024-malformed-no-sender.eml").read_bytes())
    assert ingest_with_retry(session, settings, [raw_id]).quarantined == 1
    report = retry_quarantined(session, settings, ADMIN, raw_id)
    row = row_of(session, raw_id)
    assert (report.quarantined, report.opened, row.status) == (1, 0, "quarantined")
    assert "no sender address" in row.error
    assert [a for a, _, _ in audit_of(session, raw_id)] == ["retried"]


def test_discard_keeps_the_row_and_bytes_and_refuses_a_second_time(
    session: Session, settings: Settings,
) -> None:
    raw = (GOLDEN / "025-malformed-binary-noise.eml").read_bytes()
    (raw_id,) = stored(session, raw)
    ingest_with_retry(session, settings, [raw_id])
    discard_quarantined(session, ADMIN, raw_id)
    row = row_of(session, raw_id)
    assert (row.status, raw_bytes(session, raw_id)) == ("discarded", raw)
    assert [a for a, _, _ in audit_of(session, raw_id)] == ["discarded"]
    with pytest.raises(NotQuarantined):
        discard_quarantined(session, ADMIN, raw_id)
    with pytest.raises(NotQuarantined):
        retry_quarantined(session, settings, ADMIN, raw_id)


def test_mail_that_was_never_quarantined_cannot_be_retried_or_discarded(
    session: Session, settings: Settings,
) -> None:
    ids = stored(session, mail(9))
    ingest_with_retry(session, settings, ids)
    with pytest.raises(NotQuarantined, match="not in the quarantine"):
        retry_quarantined(session, settings, ADMIN, ids[0])
    with pytest.raises(QuarantineError, match="no stored mail"):
        discard_quarantined(session, ADMIN, 999_999)
    assert row_of(session, ids[0]).status == "ingested"
