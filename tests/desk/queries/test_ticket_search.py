"""Ticket search: found by subject, any message (customer's, reply, internal note), the
customer's name, addresses and organisation, in English and Chinese; combined with the
queue's filters; hostile queries answer with results or none; the index follows changes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.identities import identify_customer
from desk.actions.customers.organizations import create_organization, update_organization
from desk.actions.customers.privacy import anonymise_customer
from desk.actions.customers.records import update_customer
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.actions.tickets.search_index import rebuild
from desk.actions.users import add_to_team, create_user, ensure_team
from desk.db import commit
from desk.models import Customer, Ticket, User
from desk.queries.tickets.queue import TicketFilter, list_tickets
from desk.queries.tickets.search import RECENT
from desk.settings import Settings

HOSTILE = ['" OR 1=1 --', "AND NOT", "NEAR(", "*", '"unbalanced', "'", "a\"b'c", "NOT",
           "refund)", "(", "^", "-", "col:refund", "subject:printer", "NEAR(printer refund, 2)",
           "printer AND", "OR", "\\", "%", "_", "' OR ''='", "; DROP TABLE ticket; --",
           "x" * 10_240, "打印机 " * 2000, "\u0000", "\ud800"[:0] + "🙂", "ｐｒｉｎｔｅｒ"]


@pytest.fixture
def agent(session: Session) -> User:
    user = create_user(session, SYSTEM, "ana@desk.test", "Ana Agent", "admin", None)
    commit(session)
    return user


def _open(session: Session, settings: Settings, subject: str, body: str,
          email: str = "kim@example.com", name: str = "Kim Park") -> Ticket:
    ticket, _ = ingest_message(session, settings, InboundMessage(
        "web", Identity("email", email, name), subject, body))
    commit(session)
    return ticket


def _found(session: Session, user: User, q: str, **filters: object) -> list[int]:
    page = list_tickets(session, user, TicketFilter(q=q, **filters))  # type: ignore[arg-type]
    return [t.id for t in page.tickets if t.id is not None]


def test_found_by_subject_first_message_and_customer(session: Session, settings: Settings,
                                                     agent: User) -> None:
    printer = _open(session, settings, "Printer shows a paper jam", "Tray 2 is stuck.",
                    email="ada.lovelace@example.com", name="Ada Lovelace")
    other = _open(session, settings, "Invoice is wrong", "Order ORD-4411 was charged twice.")
    assert _found(session, agent, "printer") == [printer.id]
    assert _found(session, agent, "PAPER jam") == [printer.id]
    assert _found(session, agent, "tray") == [printer.id]
    assert _found(session, agent, "ord-4411") == [other.id]
    assert _found(session, agent, "Lovelace") == [printer.id]
    assert _found(session, agent, "ada.lovelace@example.com") == [printer.id]
    assert _found(session, agent, "example.com") == [other.id, printer.id]
    assert _found(session, agent, "printer invoice") == []  # every word must be there
    assert _found(session, agent, "jam paper") == [printer.id]  # words, not a phrase


def test_a_chinese_word_in_the_third_message_finds_the_ticket(session: Session, settings: Settings,
                                                              agent: User) -> None:
    ticket = _open(session, settings, "打印问题", "我的打印机不能用了。", email="wang@example.cn",
                   name="王芳")
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket,
                    "请重新启动一下。", internal=False)
    customer = identify_customer(session, SYSTEM, "wang@example.cn", "", "web")
    add_customer_reply(session, settings, ticket, customer, "还是不行，墨盒好像漏墨了。")
    commit(session)
    _open(session, settings, "墨水", "别的问题", email="li@example.cn", name="李雷")
    assert _found(session, agent, "墨盒") == [ticket.id]
    assert _found(session, agent, "漏墨") == [ticket.id]
    assert _found(session, agent, "王芳") == [ticket.id]
    assert _found(session, agent, "芳") == [ticket.id]
    assert _found(session, agent, "打印机 墨盒") == [ticket.id]
    assert _found(session, agent, "墨盒坏") == []  # the whole word, not its characters apart


def test_internal_notes_and_replies_are_searched(session: Session, settings: Settings,
                                                 agent: User) -> None:
    ticket = _open(session, settings, "VPN drops", "Every hour.")
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket,
                    "Escalated to the Zurich network team.", internal=True)
    commit(session)
    assert _found(session, agent, "zurich") == [ticket.id]


def test_search_combines_with_the_queue_filters(session: Session, settings: Settings,
                                                agent: User) -> None:
    first = _open(session, settings, "Refund for order 1", "Please refund.")
    second = _open(session, settings, "Refund for order 2", "Please refund.")
    update_ticket(session, Actor.of_user(agent), second, {"status": "pending"})
    commit(session)
    assert _found(session, agent, "refund") == [second.id, first.id]
    assert _found(session, agent, "refund", status="pending") == [second.id]
    assert _found(session, agent, "refund", view="all_open") == [first.id]
    page = list_tickets(session, agent, TicketFilter(q="refund", status="new"))
    assert page.total == 1


def test_agents_find_only_tickets_they_may_see(session: Session, settings: Settings,
                                               agent: User) -> None:
    billing = ensure_team(session, SYSTEM, "Billing")
    support = ensure_team(session, SYSTEM, "Support")
    commit(session)
    ticket = _open(session, settings, "Secret billing matter", "Quarterly ledger.")
    update_ticket(session, Actor.of_user(agent), ticket, {"team_id": billing.id})
    commit(session)
    member = create_user(session, SYSTEM, "sam@desk.test", "Sam", "agent", None)
    add_to_team(session, SYSTEM, member, support)
    commit(session)
    assert _found(session, member, "ledger") == []
    assert _found(session, agent, "ledger") == [ticket.id]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_with_results_or_none(session: Session, settings: Settings,
                                                     agent: User, q: str) -> None:
    _open(session, settings, "Printer refund", "The printer needs a refund. 打印机")
    page = list_tickets(session, agent, TicketFilter(q=q))
    assert page.total == len(page.tickets)
    for ticket in page.tickets:
        assert ticket.subject == "Printer refund"


def test_the_index_follows_subject_and_customer_changes(session: Session, settings: Settings,
                                                        agent: User) -> None:
    ticket = _open(session, settings, "Printer", "Broken.", email="kim@example.com")
    update_ticket(session, Actor.of_user(agent), ticket, {"subject": "Scanner"})
    commit(session)
    assert _found(session, agent, "printer") == []
    assert _found(session, agent, "scanner") == [ticket.id]
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    org = create_organization(session, SYSTEM, {"name": "Acme Widgets"})
    update_customer(session, SYSTEM, customer, {"name": "Kimberly Park", "organization_id": org.id,
                                                "emails": ["kim@example.com", "kp@widgets.test"]})
    commit(session)
    assert _found(session, agent, "kimberly") == [ticket.id]
    assert _found(session, agent, "kp@widgets.test") == [ticket.id]
    assert _found(session, agent, "acme") == [ticket.id]
    update_organization(session, SYSTEM, org, {"name": "Globex"})
    commit(session)
    assert _found(session, agent, "acme") == []
    assert _found(session, agent, "globex") == [ticket.id]


def test_anonymised_customers_words_leave_the_index(session: Session, settings: Settings,
                                                    agent: User) -> None:
    ticket = _open(session, settings, "Ada Lovelace wants a refund", "Write to ada@example.com",
                   email="ada@example.com", name="Ada Lovelace")
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    anonymise_customer(session, SYSTEM, customer, settings.attachments_dir)
    commit(session)
    assert _found(session, agent, "lovelace") == []
    assert _found(session, agent, "ada@example.com") == []
    assert _found(session, agent, "refund") == [ticket.id]


def test_rebuild_makes_the_same_index(session: Session, settings: Settings, agent: User) -> None:
    ticket = _open(session, settings, "Invoice", "Wrong amount.")
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket, "Fixed in 三月.",
                    internal=True)
    commit(session)
    connection = session.connection()
    assert rebuild(connection) == 1
    commit(session)
    assert _found(session, agent, "三月") == [ticket.id]
    assert _found(session, agent, "amount") == [ticket.id]
    rows = session.connection().execute(text("SELECT count(*) FROM ticketsearch")).scalar()
    assert rows == 1


def _number_later_tickets_from(session: Session, number: int) -> None:
    """PostgreSQL: tickets opened from now on are numbered from ``number``, so the ones
    before lie outside the newest tickets its search reads first (queries/tickets/search)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval('ticket_id_seq', :n)"), {"n": number})
        commit(session)


def test_old_matches_follow_new_ones_and_phrases_stay_whole(session: Session, settings: Settings,
                                                              agent: User) -> None:
    old = _open(session, settings, "墨盒", "我的打印机坏了。Order ORD-1 needs a refund.")
    # 打印 and 印机 both, but never 打印机; ord and 1 both, but never ORD-1.
    _open(session, settings, "复印", "我要打印文件，复印机也坏了。Order 1 of ord.")
    _number_later_tickets_from(session, 3 * RECENT)
    new = [_open(session, settings, f"Printer {n}", "打印机卡纸了, ORD-1 again, a printer refund")
           for n in range(4)]
    _open(session, settings, "Scanner", "Nothing to see.")
    newest_first = [t.id for t in reversed(new)]  # the order a search lists by default
    assert _found(session, agent, "打印机", sort="created") == [*newest_first, old.id]
    assert _found(session, agent, "ORD-1", sort="created") == [*newest_first, old.id]
    assert _found(session, agent, "refund printer", sort="created") == newest_first
    page = list_tickets(session, agent, TicketFilter(q="打印机", sort="created", per_page=2))
    assert [t.id for t in page.tickets] == newest_first[:2]
    assert page.total == 5 and page.has_next
    second = list_tickets(session, agent, TicketFilter(q="ord-1", sort="created", per_page=2,
                                                           page=3))
    assert [t.id for t in second.tickets] == [old.id]
