"""The web form's intake: requests stored in the spool by `desk serve`, made tickets by its
child process, each exactly once; a request the intake cannot take is kept, failed."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from sqlmodel import select

from channels.message import Identity, InboundAttachment, InboundMessage
from desk.actions.ingest.submissions import from_payload, ingest_requests, to_payload
from desk.db import Database, commit
from desk.form_intake import FormIntake, Taker
from desk.form_spool import Spool
from desk.models import Attachment, Customer, FormSubmission, Message, SubmissionStatus, Ticket
from desk.settings import Settings


def _request(subject: str, email: str = "wei@example.com", **extra: Any) -> InboundMessage:
    return InboundMessage(channel="web", sender=Identity("email", email, "Zhang Wei"),
                          subject=subject, text=f"{subject}: it is off.", locale="zh_Hans", **extra)


def test_a_request_keeps_everything_the_customer_sent_through_the_spool() -> None:
    message = _request("打印机坏了", attachments=(
        InboundAttachment("报告.pdf", "application/pdf", bytes(range(256))),))
    assert from_payload(to_payload(message)) == message


def test_a_request_becomes_one_ticket_however_often_it_is_taken(
    db: Database, settings: Settings,
) -> None:
    spool = Spool(settings.data_dir)
    (request_id,) = spool.store([to_payload(_request("Printer"))])
    rows = spool.after(0, 10)
    for _attempt in range(2):  # a second taker, or the same one after a crash
        with db.session() as session:
            (taken,) = ingest_requests(session, settings, spool.id, rows)
            commit(session)
        assert taken.request_id == request_id and taken.status == SubmissionStatus.done
    with db.session() as session:
        assert [t.subject for t in session.exec(select(Ticket))] == ["Printer"]
        assert len(session.exec(select(FormSubmission)).all()) == 1
    spool.close()


def test_a_request_the_intake_fails_on_is_kept_failed_and_costs_the_others_nothing(
    db: Database, settings: Settings,
) -> None:
    spool = Spool(settings.data_dir)
    good = to_payload(_request("First"))
    spool.store([good, '{"format": 1, "channel": "web"}', to_payload(_request("Third"))])
    reports: list[dict[str, Any]] = []
    Taker(db, settings, reports.append).drain()
    with db.session() as session:
        assert sorted(t.subject for t in session.exec(select(Ticket))) == ["First", "Third"]
        ledger = {f.request_id: f for f in session.exec(select(FormSubmission))}
    assert [ledger[i].status for i in (1, 2, 3)] == ["done", "failed", "done"]
    assert ledger[2].payload == '{"format": 1, "channel": "web"}'  # what was sent, kept
    assert "KeyError" in ledger[2].error
    assert ledger[1].payload == ""  # a ticket holds it now
    # Every request is reported, the failed one without a page to go to.
    assert [[i, bool(token)] for r in reports for i, token in r["done"]] == [
        [1, True], [2, False], [3, True]]
    spool.close()


def test_desk_serves_child_takes_requests_relays_their_notices_and_is_restarted(
    db: Database, settings: Settings,
) -> None:
    """The real child process: a stored request is a ticket moments later; the agents' live
    notices (SQLite) and the jobs reach desk serve; a killed child is started again and
    takes what was stored meanwhile."""
    live: list[dict[str, Any]] = []
    db.on_live = live.extend
    spool = Spool(settings.data_dir)
    spool.store([to_payload(_request("Stored before the start"))])  # a crash's leftover
    spool.close()

    async def run() -> None:
        intake = FormIntake(db, settings)
        await intake.start()
        try:
            request_id = await intake.submit(_request("Printer", attachments=(
                InboundAttachment("photo.jpg", "image/jpeg", b"\xff\xd8jpeg"),)))
            await intake.wait(request_id, 30)
            assert intake._process is not None
            intake._process.send_signal(signal.SIGKILL)
            for _ in range(300):
                await asyncio.sleep(0.05)
                if intake.running:
                    break
            second = await intake.submit(_request("After the restart", "kim@example.com"))
            await intake.wait(second, 30)
        finally:
            await intake.stop()

    asyncio.run(run())
    with db.session() as session:
        tickets = {t.subject: t for t in session.exec(select(Ticket))}
        assert set(tickets) == {"Stored before the start", "Printer", "After the restart"}
        printer = tickets["Printer"]
        customer = session.get(Customer, printer.customer_id)
        assert customer is not None and customer.name == "Zhang Wei"
        (message,) = session.exec(select(Message).where(Message.ticket_id == printer.id)).all()
        (attachment,) = session.exec(select(Attachment).where(
            Attachment.message_id == message.id)).all()
        assert attachment.filename == "photo.jpg"
        assert all(f.status == "done" for f in session.exec(select(FormSubmission)))
    if settings.is_sqlite:
        created = {n["ticket"] for n in live if n.get("kind") == "created"}
        assert printer.id in created
