"""Merging keeps the history and makes later mail land in the ticket merged into; splitting
opens a ticket of the same customer; links are kept on both tickets."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.tickets.linking import link_tickets, unlink_tickets
from desk.actions.tickets.merging import MergeError, merge_tickets, split_message
from desk.actions.users import create_user
from desk.db import Database, commit
from desk.models import Message, Status, Ticket, TicketTag
from desk.queries.tickets.links import linked_tickets, merged_from
from desk.queries.tickets.queue import ticket_history, ticket_tags
from desk.settings import Settings
from tests.desk.actions.test_mail_intake import mail, run


@pytest.fixture
def agent(session: Session) -> Actor:
    user = create_user(session, SYSTEM, "ana@desk.test", "Ana Agent", "agent", "pw-0123456789")
    commit(session)
    return Actor.of_user(user)


def _ticket(session: Session, settings: Settings, mid: str, subject: str,
            sender: str = "ada@example.com") -> Ticket:
    _ids, report = run(session, settings, mail(mid, subject, sender=sender))
    ticket = session.get(Ticket, report.ticket_ids[0])
    assert ticket is not None
    return ticket


def _messages(session: Session, ticket_id: int) -> list[str]:
    return [m.message_id for m in session.exec(
        select(Message).where(Message.ticket_id == ticket_id).order_by(col(Message.id)))]


def test_merge_moves_the_conversation_and_later_mail_follows_it(
    session: Session, settings: Settings, agent: Actor,
) -> None:
    source = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    target = _ticket(session, settings, "<b@example.com>", "Printer still on fire")
    assert source.id is not None and target.id is not None
    session.add(TicketTag(ticket_id=source.id, tag="printer"))
    commit(session)

    assert merge_tickets(session, agent, source, target) == 1
    session.refresh(source)
    assert source.status == Status.closed and source.merged_into_id == target.id
    assert _messages(session, target.id) == ["<a@example.com>", "<b@example.com>"]
    assert "printer" in ticket_tags(session, target.id)
    assert merged_from(session, target.id) == [source.id]
    assert [e.action for e in ticket_history(session, source.id)][-1] == "merged"
    last = ticket_history(session, target.id)[-1]
    assert last.action == "merged_in" and last.changes["merged_from"] == [None, source.id]
    assert last.actor_name == "Ana Agent"

    # A reply to the source's mail and a mail naming its number both land in the target.
    run(session, settings, mail("<c@example.com>", "Re: Printer on fire",
                                extra="In-Reply-To: <a@example.com>\r\n"))
    run(session, settings, mail("<d@example.com>", f"[#{source.id}] more", body="Any news?"))
    assert _messages(session, target.id)[-2:] == ["<c@example.com>", "<d@example.com>"]
    assert _messages(session, source.id) == []
    assert session.exec(select(Ticket).where(Ticket.follows_id == source.id)).first() is None


def test_merge_refuses_tickets_of_two_customers_and_a_ticket_merged_already(
    session: Session, settings: Settings, agent: Actor,
) -> None:
    ada = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    bob = _ticket(session, settings, "<b@example.com>", "Scanner", sender="bob@example.org")
    with pytest.raises(MergeError, match="same customer"):
        merge_tickets(session, agent, ada, bob)
    with pytest.raises(MergeError, match="itself"):
        merge_tickets(session, agent, ada, ada)
    other = _ticket(session, settings, "<c@example.com>", "Printer again")
    merge_tickets(session, agent, ada, other)
    third = _ticket(session, settings, "<d@example.com>", "Printer once more")
    with pytest.raises(MergeError, match="already merged"):
        merge_tickets(session, agent, ada, third)
    assert _messages(session, bob.id or 0) == ["<b@example.com>"]


def test_split_opens_a_ticket_of_the_same_customer_with_the_message(
    session: Session, settings: Settings, agent: Actor,
) -> None:
    ticket = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    run(session, settings, mail("<b@example.com>", "Re: Printer on fire", body="Also the scanner",
                                extra="In-Reply-To: <a@example.com>\r\n"))
    assert ticket.id is not None
    second = session.exec(select(Message).where(Message.message_id == "<b@example.com>")).one()
    new = split_message(session, agent, ticket, second, "Scanner broken")
    assert new.customer_id == ticket.customer_id and new.subject == "Scanner broken"
    assert _messages(session, ticket.id) == ["<a@example.com>"]
    assert _messages(session, new.id or 0) == ["<b@example.com>"]
    assert ticket_history(session, new.id or 0)[-1].changes["split_from"] == [None, ticket.id]
    assert ticket_history(session, ticket.id)[-1].changes["split_to"] == [None, new.id]
    first = session.exec(select(Message).where(Message.message_id == "<a@example.com>")).one()
    with pytest.raises(MergeError, match="only message"):
        split_message(session, agent, ticket, first)
    # Mail answering the split-off message lands in the new ticket.
    run(session, settings, mail("<c@example.com>", "Re: Printer on fire",
                                extra="In-Reply-To: <b@example.com>\r\n"))
    assert _messages(session, new.id or 0)[-1] == "<c@example.com>"


def test_links_show_on_both_tickets_and_are_recorded(
    session: Session, settings: Settings, agent: Actor,
) -> None:
    one = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    two = _ticket(session, settings, "<b@example.com>", "Scanner", sender="bob@example.org")
    assert one.id is not None and two.id is not None
    assert link_tickets(session, agent, two, one)
    assert not link_tickets(session, agent, one, two)  # linked already
    assert [t.id for t in linked_tickets(session, one.id)] == [two.id]
    assert [t.id for t in linked_tickets(session, two.id)] == [one.id]
    assert unlink_tickets(session, agent, one, two.id)
    assert linked_tickets(session, two.id) == []
    actions = [e.action for e in ticket_history(session, two.id)]
    assert actions[-2:] == ["linked", "unlinked"]
    with pytest.raises(MergeError):
        link_tickets(session, agent, one, one)


def test_a_merged_tickets_links_move_to_the_ticket_it_went_into(
    session: Session, settings: Settings, agent: Actor,
) -> None:
    source = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    target = _ticket(session, settings, "<b@example.com>", "Printer still on fire")
    scanner = _ticket(session, settings, "<c@example.com>", "Scanner", sender="bob@example.org")
    fax = _ticket(session, settings, "<d@example.com>", "Fax", sender="cy@example.org")
    assert source.id and target.id and scanner.id and fax.id
    link_tickets(session, agent, source, scanner)
    link_tickets(session, agent, source, fax)
    link_tickets(session, agent, target, fax)  # linked to both: one link afterwards
    link_tickets(session, agent, source, target)
    merge_tickets(session, agent, source, target)
    assert [t.id for t in linked_tickets(session, target.id)] == sorted([scanner.id, fax.id])
    assert [t.id for t in linked_tickets(session, scanner.id)] == [target.id]
    assert [t.id for t in linked_tickets(session, fax.id)] == [target.id]
    assert linked_tickets(session, source.id) == []
    merged_in = [e for e in ticket_history(session, target.id) if e.action == "merged_in"][-1]
    assert merged_in.changes["links"] == [None, [scanner.id]]


def test_every_change_moves_the_version_on(session: Session, settings: Settings,
                                           agent: Actor) -> None:
    ticket = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    before = ticket.version
    run(session, settings, mail("<b@example.com>", "Re: x", extra="In-Reply-To: <a@example.com>\r\n"))
    session.refresh(ticket)
    assert ticket.version == before + 1



def test_two_merges_the_opposite_way_at_once_leave_one_merge(
    session: Session, settings: Settings, agent: Actor, db: Database,
) -> None:
    one = _ticket(session, settings, "<a@example.com>", "Printer on fire")
    two = _ticket(session, settings, "<b@example.com>", "Printer still on fire")
    assert one.id is not None and two.id is not None
    with db.session() as other:  # a colleague merged one into two meanwhile
        first, second = other.get(Ticket, one.id), other.get(Ticket, two.id)
        assert first is not None and second is not None
        merge_tickets(other, agent, first, second)
    with pytest.raises(MergeError, match="meanwhile"):
        merge_tickets(session, agent, two, one)  # read before: neither looked merged
    session.rollback()
    session.refresh(one)
    session.refresh(two)
    assert one.merged_into_id == two.id and two.merged_into_id is None
    assert _messages(session, two.id) == ["<a@example.com>", "<b@example.com>"]
