"""The review list and policy, and handing an agent's work to another."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.care import CareError, mark_reviewed, set_review_days, transfer_agent_work
from desk.actions.customers.records import create_customer
from desk.actions.ingest.one import ingest_one
from desk.actions.mail.mailboxes import create_mailbox
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import create_user
from desk.db import Database, commit
from desk.i18n import gettext_for
from desk.jobs.context import JobContext
from desk.models import AuditEntry, Customer, Notification, Ticket, User
from desk.models.base import now
from desk.queries.customers.care import review_policy, to_review, work_of
from desk.settings import Settings
from tests.smtp_server import SmtpServer


def _agent(session: Session, name: str, role: str = "agent") -> User:
    return create_user(session, SYSTEM, f"{name.lower()}@desk.test", name, role, None)


def _customer(session: Session, name: str, owner: User | None, tier: str = "standard",
              days_ago: int = 0, reviewed_days_ago: int | None = None) -> Customer:
    customer = create_customer(session, SYSTEM, {
        "name": name, "emails": [f"{name.lower()}@example.com"], "tier": tier,
        "owner_id": owner.id if owner else None})
    customer.created_at = now() - timedelta(days=days_ago)
    if reviewed_days_ago is not None:
        customer.reviewed_at = now() - timedelta(days=reviewed_days_ago)
    session.add(customer)
    session.flush()
    return customer


def _names(session: Session, owner: User) -> list[str]:
    assert owner.id is not None
    return [c.name for c in to_review(session, owner.id).customers]


def test_review_list_shows_only_the_owners_records_past_their_tiers_days(session: Session) -> None:
    ana, bo = _agent(session, "Ana"), _agent(session, "Bo")
    _customer(session, "Vip31", ana, "vip", days_ago=31)  # vip: 30 days
    _customer(session, "Vip29", ana, "vip", days_ago=29)
    _customer(session, "Std120", ana, "standard", days_ago=400, reviewed_days_ago=120)
    _customer(session, "Std60", ana, "standard", days_ago=400, reviewed_days_ago=60)
    _customer(session, "Pro200", ana, "prospect", days_ago=200)
    _customer(session, "Pro100", ana, "prospect", days_ago=100)
    _customer(session, "BoVip", bo, "vip", days_ago=300)
    commit(session)
    assert _names(session, ana) == ["Pro200", "Std120", "Vip31"]  # longest waiting first
    assert _names(session, bo) == ["BoVip"]


def test_marking_reviewed_takes_a_record_off_the_list_and_is_audited(session: Session) -> None:
    ana = _agent(session, "Ana")
    customer = _customer(session, "Old", ana, "vip", days_ago=90)
    commit(session)
    mark_reviewed(session, Actor.of_user(ana), customer)
    commit(session)
    assert _names(session, ana) == []
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "reviewed")).one()
    assert (audit.entity, audit.entity_id, audit.actor_name) == ("customer", customer.id, "Ana")


def test_changing_the_policy_moves_the_threshold(session: Session) -> None:
    ana = _agent(session, "Ana")
    _customer(session, "Std40", ana, "standard", days_ago=40)
    commit(session)
    assert _names(session, ana) == []
    diff = set_review_days(session, SYSTEM, {"standard": "30", "vip": "30"})
    commit(session)
    assert diff == {"standard": [90, 30]}
    assert review_policy(session)["standard"] == 30
    assert _names(session, ana) == ["Std40"]
    audit = session.exec(select(AuditEntry).where(AuditEntry.entity == "tier_policy")).one()
    assert audit.changes == {"standard": [90, 30]}


@pytest.mark.parametrize("days", ["0", "3651", "ten", "-5", ""])
def test_review_days_outside_one_to_3650_are_refused(session: Session, days: str) -> None:
    with pytest.raises(CareError):
        set_review_days(session, SYSTEM, {"vip": "14", "prospect": days})
    assert review_policy(session)["vip"] == 30


def _ticket(session: Session, settings: Settings, customer: Customer, assignee: User,
            status: str) -> int:
    opened = ingest_one(session, settings, InboundMessage(
        channel="email", sender=Identity("email", customer.email, customer.name),
        subject=f"A {status} one", text="Help"))
    ticket = session.get(Ticket, opened.ticket_id)
    assert ticket is not None
    update_ticket(session, SYSTEM, ticket, {"assignee_id": assignee.id, "status": status})
    return opened.ticket_id


def test_transfer_moves_customers_and_unfinished_tickets_with_audit_rows(
    session: Session, settings: Settings,
) -> None:
    leaving, taking, other = _agent(session, "Leaving"), _agent(session, "Taking"), _agent(session, "Other")
    boss = _agent(session, "Boss", "supervisor")
    mine = [_customer(session, n, leaving) for n in ("Ann", "Ben")]
    theirs = _customer(session, "Cy", other)
    moving = {s: _ticket(session, settings, mine[0], leaving, s)
              for s in ("new", "open", "on_hold", "pending")}
    solved = _ticket(session, settings, mine[1], leaving, "solved")
    commit(session)
    assert leaving.id is not None and taking.id is not None
    assert work_of(session, leaving.id) == (2, 4)

    moved = transfer_agent_work(session, Actor.of_user(boss), leaving, taking)
    commit(session)

    assert moved.customer_ids == sorted(c.id for c in mine if c.id)
    assert moved.ticket_ids == sorted(moving.values())
    session.expire_all()
    assert {session.get(Customer, c.id).owner_id for c in mine} == {taking.id}  # type: ignore[union-attr]
    assert session.get(Customer, theirs.id).owner_id == other.id  # type: ignore[union-attr]
    assert {session.get(Ticket, t).assignee_id for t in moving.values()} == {taking.id}  # type: ignore[union-attr]
    assert session.get(Ticket, solved).assignee_id == leaving.id  # type: ignore[union-attr]
    summary = session.exec(select(AuditEntry).where(AuditEntry.action == "work_transferred")).one()
    assert (summary.entity, summary.entity_id, summary.actor_name) == ("user", leaving.id, "Boss")
    assert summary.changes["customers"] == [2, 0] and summary.changes["tickets"] == [4, 0]
    assert summary.changes["to_user_id"] == [None, taking.id]
    owners = session.exec(select(AuditEntry)).all()
    assert sum(1 for a in owners if a.changes.get("owner_id") == [leaving.id, taking.id]) == 2
    assert sum(1 for a in owners if a.changes.get("assignee_id") == [leaving.id, taking.id]) == 4
    told = session.exec(select(Notification).where(Notification.user_id == taking.id)).all()
    assert [n.kind for n in told] == ["work_transferred"]
    assert work_of(session, leaving.id) == (0, 0)


def test_transfer_to_the_same_agent_is_refused(session: Session) -> None:
    ana = _agent(session, "Ana")
    with pytest.raises(CareError) as error:
        transfer_agent_work(session, SYSTEM, ana, ana)
    assert error.value.message == "Choose two different agents."


def _reminders(session: Session, owner: User) -> list[str]:
    rows = session.exec(select(Notification, Customer.name).join(
        Customer, Customer.id == Notification.customer_id).where(  # type: ignore[arg-type]
        Notification.user_id == owner.id, Notification.kind == "review_due")
        .order_by(Customer.name))  # type: ignore[arg-type]
    return [name for _n, name in rows]


def _told(reminded: dict[int, list[int]]) -> int:
    return sum(len(records) for records in reminded.values())


def test_owners_are_reminded_of_records_due_for_review_once_per_due_period(session: Session) -> None:
    from desk.actions.customers.review_reminders import JOB, remind_reviews
    from desk.models import Job

    ana, bo, gone = _agent(session, "Ana"), _agent(session, "Bo"), _agent(session, "Gone")
    _customer(session, "Vip31", ana, "vip", days_ago=31)
    _customer(session, "Vip29", ana, "vip", days_ago=29)
    _customer(session, "BoStd", bo, "standard", days_ago=91)
    _customer(session, "Orphan", None, "vip", days_ago=400)
    _customer(session, "GoneVip", gone, "vip", days_ago=400)
    gone.is_active = False
    session.add(gone)
    commit(session)
    # Giving records an owner booked the daily run: nobody has to open the list first.
    assert session.exec(select(Job).where(Job.name == JOB, Job.status == "queued")).first()

    assert _told(remind_reviews(session)) == 2
    commit(session)
    assert _reminders(session, ana) == ["Vip31"] and _reminders(session, bo) == ["BoStd"]
    assert _reminders(session, gone) == []
    assert _told(remind_reviews(session)) == 0  # told once, not every day
    commit(session)
    later = now() + timedelta(days=2)  # Vip29 falls due meanwhile
    assert _told(remind_reviews(session, at=later)) == 1
    commit(session)
    assert _reminders(session, ana) == ["Vip29", "Vip31"]

    vip31 = session.exec(select(Customer).where(Customer.name == "Vip31")).one()
    mark_reviewed(session, Actor.of_user(ana), vip31)
    commit(session)
    assert _told(remind_reviews(session, at=later)) == 0  # reviewed: not due
    assert _told(remind_reviews(session, at=now() + timedelta(days=31))) == 1  # due again: told again
    queued = session.exec(select(Job).where(Job.name == JOB, Job.status == "queued")).all()
    assert len(queued) >= 2  # each run booked the next


def test_each_owner_gets_one_summary_mail_a_day_in_their_language(
        db: Database, settings: Settings, smtp_server: SmtpServer) -> None:
    from desk.jobs.functions import remind_reviews

    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "help@desk.test", None, smtp_server.url)
        ana = _agent(s, "Ana")
        wang = create_user(s, SYSTEM, "wang@desk.test", "王丽", "agent", None, locale="zh_CN")
        _agent(s, "Bo")  # nothing due: no mail
        first = _customer(s, "Vip31", ana, "vip", days_ago=31)
        _customer(s, "Std91", ana, "standard", days_ago=91)
        _customer(s, "Vip29", ana, "vip", days_ago=29)  # not due yet
        _customer(s, "李娜", wang, "vip", days_ago=40)
        commit(s)
    remind_reviews(JobContext(db))
    mails = {m.message["To"]: m.message for m in smtp_server.messages}
    assert set(mails) == {"ana@desk.test", "wang@desk.test"}
    assert mails["ana@desk.test"]["Subject"] == "Customer records to review: 2"
    assert "help@desk.test" in mails["ana@desk.test"]["From"]  # the default mailbox
    text = mails["ana@desk.test"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Std91" in text and "Vip31" in text and "Vip29" not in text
    assert f"{settings.base_url.rstrip('/')}/agent/customers/{first.id}" in text
    assert f"{settings.base_url.rstrip('/')}/agent/customers/review" in text
    chinese = mails["wang@desk.test"]
    assert chinese["Subject"] == gettext_for(
        "zh_CN", "Customer records to review: %(count)s") % {"count": 1}
    assert "李娜" in chinese.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    remind_reviews(JobContext(db))  # the same day again: nothing new, no mail
    assert len(smtp_server.messages) == 2
