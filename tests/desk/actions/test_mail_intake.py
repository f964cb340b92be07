"""Mail intake: raw mail stored, then parsed, filtered, threaded or opened as tickets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from desk.actions.mail.stored import IngestReport, ingest_stored, store_raw
from desk.db import commit
from desk.models import Mailbox, Message, OutboundMessage, RawMessage, Ticket
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def mail(message_id: str, subject: str = "Printer on fire", sender: str = "ada@example.com",
         body: str = "It is on fire.", extra: str = "") -> bytes:
    return (f"From: Ada <{sender}>\r\nTo: support@desk.test\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n"
            f"\r\n{body}\r\n").encode()


@pytest.fixture(autouse=True)
def support_mailbox(session: Session) -> None:
    """The mailbox the mail comes in by: it acknowledges new requests."""
    session.add(Mailbox(name="support", address="support@desk.test"))
    commit(session)


def run(session: Session, settings: Settings, *raws: bytes) -> tuple[list[int], IngestReport]:
    ids = store_raw(session, "support", list(raws))
    commit(session)
    report = ingest_stored(session, settings, ids)
    commit(session)
    return ids, report


def raw_row(session: Session, raw_id: int) -> RawMessage:
    row = session.get(RawMessage, raw_id)
    assert row is not None
    return row


def messages_of(session: Session, ticket_id: int) -> list[Message]:
    return list(session.exec(select(Message).where(Message.ticket_id == ticket_id)
                             .order_by(col(Message.id))))


def test_a_new_mail_opens_a_ticket_keeping_its_message_id(
    session: Session, settings: Settings,
) -> None:
    (raw_id,), report = run(session, settings, mail("<first@example.com>"))
    row = raw_row(session, raw_id)
    assert (report.opened, row.status) == (1, "ingested")
    assert row.ticket_id is not None and row.message_id == "<first@example.com>"
    ticket = session.get(Ticket, row.ticket_id)
    assert ticket is not None and ticket.subject == "Printer on fire" and ticket.channel == "email"
    (message,) = messages_of(session, row.ticket_id)
    assert message.message_id == "<first@example.com>"


def test_reply_threads_by_references_when_subject_changed(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<first@example.com>"))
    refs = "References: <other@example.com> <first@example.com>\r\n"
    (second,), report = run(session, settings, mail(
        "<second@example.com>", subject="something else entirely", body="Still burning.",
        extra=refs))
    ticket_id = raw_row(session, first).ticket_id
    assert ticket_id is not None
    assert (report.opened, report.threaded) == (0, 1)
    assert raw_row(session, second).ticket_id == ticket_id
    texts = [(m.message_id, m.text) for m in messages_of(session, ticket_id)]
    assert texts[1] == ("<second@example.com>", "Still burning.")


def test_reply_in_the_same_batch_lands_on_the_ticket_its_original_opens(
    session: Session, settings: Settings,
) -> None:
    (first, second), report = run(
        session, settings, mail("<first@example.com>"),
        mail("<second@example.com>", subject="Re: Printer on fire",
             extra="In-Reply-To: <first@example.com>\r\n"))
    assert (report.opened, report.threaded) == (1, 1)
    assert raw_row(session, first).ticket_id == raw_row(session, second).ticket_id


def test_reply_to_our_outbound_mail_threads_onto_its_ticket(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<first@example.com>"))
    ack = session.exec(select(OutboundMessage)).one()  # the acknowledgement
    (second,), report = run(session, settings, mail(
        "<second@example.com>", subject="Re: we got it",
        extra=f"In-Reply-To: {ack.rfc_message_id}\r\n"))
    assert report.threaded == 1
    assert raw_row(session, second).ticket_id == raw_row(session, first).ticket_id == ack.ticket_id


def test_thread_tag_threads_for_the_customer_and_colleagues_not_strangers(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<first@example.com>"))
    number = raw_row(session, first).ticket_id
    subject = f"Re: [#{number}] Printer"
    (mine, colleague, stranger), report = run(
        session, settings, mail("<mine@example.com>", subject=subject),
        mail("<colleague@example.com>", subject=subject, sender="bob@example.com"),
        mail("<theirs@example.com>", subject=subject, sender="mallory@example.net"))
    assert (report.threaded, report.opened) == (2, 1)
    assert raw_row(session, mine).ticket_id == raw_row(session, colleague).ticket_id == number
    assert raw_row(session, stranger).ticket_id not in (None, number)


def test_sharing_a_public_mail_provider_does_not_make_a_colleague(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<g1@gmail.com>", sender="ada@gmail.com"))
    number = raw_row(session, first).ticket_id
    (other,), report = run(session, settings, mail(
        "<g2@gmail.com>", subject=f"Re: [#{number}] Printer", sender="eve@gmail.com"))
    assert report.opened == 1 and raw_row(session, other).ticket_id != number


def test_a_second_delivery_of_the_same_message_id_opens_no_second_ticket(
    session: Session, settings: Settings,
) -> None:
    again = mail("<first@example.com>", extra="Received: by relay.example.com\r\n")
    _, report = run(session, settings, mail("<first@example.com>"), again)
    (later,), second_report = run(session, settings, again)
    assert (report.opened, report.duplicates, second_report.duplicates) == (1, 1, 1)
    assert raw_row(session, later).status == "duplicate" and raw_row(session, later).ticket_id is None
    assert len(session.exec(select(Ticket)).all()) == 1


def test_a_malformed_mail_is_quarantined_with_its_bytes_and_the_rest_go_on(
    session: Session, settings: Settings,
) -> None:
    broken = (GOLDEN / "024-malformed-no-sender.eml").read_bytes()
    (bad, empty, good), report = run(session, settings, broken, b"", mail("<ok@example.com>"))
    assert (report.quarantined, report.opened) == (2, 1)
    row = raw_row(session, bad)
    assert row.status == "quarantined" and "no sender address" in row.error
    assert raw_bytes(session, bad) == broken
    assert raw_row(session, empty).status == "quarantined"
    assert raw_row(session, good).status == "ingested"


def test_an_autoreply_opens_no_ticket_and_gets_no_acknowledgement(
    session: Session, settings: Settings,
) -> None:
    vacation = (GOLDEN / "015-autoreply-gmail-vacation.eml").read_bytes()
    (raw_id,), report = run(session, settings, vacation)
    row = raw_row(session, raw_id)
    assert (report.autoreplies, report.opened, row.status, row.ticket_id) == (
        1, 0, "autoreply", None)
    assert session.exec(select(Ticket)).all() == []
    assert session.exec(select(OutboundMessage)).all() == []


def test_an_autoreply_to_our_mail_attaches_to_its_ticket(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<first@example.com>"))
    (auto,), report = run(session, settings, mail(
        "<oof@example.com>", subject="Out of office",
        extra="Auto-Submitted: auto-replied\r\nIn-Reply-To: <first@example.com>\r\n"))
    row = raw_row(session, auto)
    assert (report.autoreplies, row.status) == (1, "autoreply")
    assert row.ticket_id == raw_row(session, first).ticket_id
    assert len(session.exec(select(OutboundMessage)).all()) == 1  # only the first's ack


def test_a_bounce_marks_the_outbound_mail_it_reports_failed(
    session: Session, settings: Settings,
) -> None:
    (first,), _ = run(session, settings, mail("<first@example.com>"))
    ack = session.exec(select(OutboundMessage)).one()
    dsn = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: support@desk.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; ada@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {ack.rfc_message_id}\r\nSubject: {ack.subject}\r\n\r\n--B--\r\n"
    ).encode()
    (raw_id,), report = run(session, settings, dsn)
    assert (report.bounces, report.opened, raw_row(session, raw_id).status) == (1, 0, "bounce")
    session.refresh(ack)
    assert ack.status == "failed" and "no such user" in ack.last_error
    assert raw_row(session, raw_id).ticket_id == raw_row(session, first).ticket_id


def test_every_golden_mail_goes_through_without_an_error_escaping(
    session: Session, settings: Settings,
) -> None:
    paths = sorted(GOLDEN.glob("*.eml"))
    raws = [p.read_bytes() for p in paths]
    # The golden mails whose .json expects a parse error: 024, 025, 026, 047, 049, 050.
    unreadable = [p.stem for p in paths if '"error"' in p.with_suffix(".json").read_text()]
    assert len(unreadable) == 6
    ids, report = run(session, settings, *raws)
    statuses = [raw_row(session, i).status for i in ids]
    assert "stored" not in statuses
    assert report.quarantined == len(unreadable)
    # As each .json's classification says.
    classes = [json.loads(p.with_suffix(".json").read_text()).get("classification") for p in paths]
    bounces, autoreplies = classes.count("bounce"), classes.count("autoreply")
    assert bounces >= 9 and autoreplies >= 7
    assert (report.bounces, report.autoreplies) == (bounces, autoreplies)
    assert report.opened + report.threaded + report.duplicates == (
        len(raws) - len(unreadable) - bounces - autoreplies)


def test_a_tag_too_large_to_be_a_ticket_number_opens_a_new_ticket(
    session: Session, settings: Settings,
) -> None:
    (raw_id,), report = run(session, settings, mail("<big@example.com>",
                                                    subject="Re: [#999999999999] hello"))
    assert report.opened == 1 and raw_row(session, raw_id).status == "ingested"
