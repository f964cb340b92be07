"""Where new mail lands and who hears back: the mailbox's team, its acknowledgement
rules (never to auto-replies, a limit per sender and hour, its own template), no
acknowledgement for imported mail, and a new ticket for a reply to a closed one."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.actions.mail.stored import IngestReport, ingest_stored, store_raw
from desk.db import commit
from desk.models import Mailbox, OutboundMessage, Team, Ticket
from desk.settings import Settings
from tests.desk.actions.test_mail_intake import mail


def mailbox(session: Session, **fields: object) -> Mailbox:
    team = Team(name="Billing")
    session.add(team)
    session.flush()
    box = Mailbox(name="billing", address="billing@desk.test", team_id=team.id, **fields)
    session.add(box)
    commit(session)
    return box


def ingest(session: Session, settings: Settings, *raws: bytes, name: str = "billing",
           acknowledge: bool = True) -> IngestReport:
    ids = store_raw(session, name, list(raws))
    commit(session)
    report = ingest_stored(session, settings, ids, acknowledge=acknowledge)
    commit(session)
    return report


def acks(session: Session) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(
        OutboundMessage.kind == "acknowledgement").order_by(col(OutboundMessage.id))))


def test_a_mailbox_places_its_tickets_in_its_team_and_acknowledges_in_thread(
    session: Session, settings: Settings,
) -> None:
    box = mailbox(session)
    report = ingest(session, settings, mail("<a1@example.com>"))
    ticket = session.get(Ticket, report.ticket_ids[0])
    assert ticket is not None
    assert (ticket.team_id, ticket.mailbox_id) == (box.team_id, box.id)
    (ack,) = acks(session)
    assert ack.to_address == "ada@example.com" and ack.in_reply_to == "<a1@example.com>"
    assert ack.mailbox_id == box.id and f"[#{ticket.id}]" in ack.subject


def test_one_sender_gets_at_most_the_hourly_limit_of_acknowledgements(
    session: Session, settings: Settings,
) -> None:
    mailbox(session, ack_per_hour=2)
    ingest(session, settings, mail("<l1@example.com>", "one"), mail("<l2@example.com>", "two"),
           mail("<l3@example.com>", "three"))
    ingest(session, settings, mail("<l4@example.com>", "four"),
           mail("<b1@example.com>", "other sender", sender="bob@example.com"))
    assert len(session.exec(select(Ticket)).all()) == 5  # every request is still a ticket
    assert [a.to_address for a in acks(session)] == [
        "ada@example.com", "ada@example.com", "bob@example.com"]


def test_auto_replies_and_bulk_mail_are_never_acknowledged(
    session: Session, settings: Settings,
) -> None:
    mailbox(session)
    ingest(session, settings,
           mail("<ooo@example.com>", "Out of office", extra="Auto-Submitted: auto-replied\r\n"),
           mail("<news@example.com>", "Our newsletter", extra="Precedence: bulk\r\n"),
           mail("<自动@example.com>", "自动回复: 我在休假"))
    assert acks(session) == []


def test_a_mailbox_that_does_not_acknowledge_sends_nothing(
    session: Session, settings: Settings,
) -> None:
    mailbox(session, acknowledge=False)
    report = ingest(session, settings, mail("<q1@example.com>"))
    assert report.opened == 1 and acks(session) == []


def test_imported_mail_and_mail_of_an_unknown_mailbox_is_not_acknowledged(
    session: Session, settings: Settings,
) -> None:
    mailbox(session)
    ingest(session, settings, mail("<old1@example.com>"), acknowledge=False)
    ingest(session, settings, mail("<old2@example.com>"), name="archive-2019")
    assert len(session.exec(select(Ticket)).all()) == 2 and acks(session) == []


def test_a_mailbox_template_fills_its_placeholders_and_a_broken_one_falls_back(
    session: Session, settings: Settings,
) -> None:
    mailbox(session, ack_subject="Got it: {subject} (#{number})",
            ack_body="Hello {name}, follow it at {link}. {unknown} stays.")
    report = ingest(session, settings, mail("<t1@example.com>", "打印机着火了"))
    (ack,) = acks(session)
    number = report.ticket_ids[0]
    assert ack.subject == f"Got it: 打印机着火了 (#{number})"
    assert ack.body_text.startswith("Hello Ada, follow it at http") and "{unknown} stays." in ack.body_text
    box = session.exec(select(Mailbox)).one()
    box.ack_subject, box.ack_body = "Broken {", ""
    session.add(box)
    commit(session)
    report = ingest(session, settings, mail("<t2@example.com>", "again", sender="cy@example.com"))
    assert acks(session)[-1].subject == f"[#{report.ticket_ids[0]}] again"


def test_a_reply_to_a_closed_ticket_opens_a_new_ticket_that_follows_it(
    session: Session, settings: Settings,
) -> None:
    mailbox(session)
    first = ingest(session, settings, mail("<c1@example.com>")).ticket_ids[0]
    old = session.get(Ticket, first)
    assert old is not None
    old.status = "closed"
    session.add(old)
    commit(session)
    reply = mail("<c2@example.com>", "Re: Printer on fire", extra="In-Reply-To: <c1@example.com>\r\n")
    report = ingest(session, settings, reply)
    assert report.opened == 1 and report.threaded == 0
    new = session.get(Ticket, report.ticket_ids[0])
    assert new is not None and new.follows_id == first and new.id != first
    # A reply to the new ticket's message threads onto the new ticket, not a third one.
    again = mail("<c3@example.com>", "Re: Printer on fire", extra="In-Reply-To: <c2@example.com>\r\n")
    assert ingest(session, settings, again).threaded == 1


def test_mail_from_one_of_our_own_addresses_opens_no_ticket_and_gets_no_acknowledgement(
    session: Session, settings: Settings,
) -> None:
    mailbox(session)
    session.add(Mailbox(name="sales", address="sales@desk.test"))
    commit(session)
    # Sales forwards its own acknowledgement to billing: without the check, a loop.
    report = ingest(session, settings, mail("<loop@desk.test>", "[#9] We received your request",
                                            sender="sales@desk.test"))
    assert (report.opened, report.autoreplies) == (0, 1)
    assert session.exec(select(Ticket)).all() == [] and acks(session) == []
