"""`desk demo`: what a newcomer finds after loading it, and loading it twice."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from desk.actions.customers.records import identities_of
from desk.actions.users import authenticate
from desk.db import Database
from desk.demo import load_demo
from desk.models import (
    AuditEntry,
    Channel,
    Customer,
    CustomerNote,
    Direction,
    Job,
    Message,
    Organization,
    OutboundMessage,
    OutboundStatus,
    Priority,
    RawMessage,
    Role,
    Status,
    Team,
    TeamMembership,
    Ticket,
    TicketTag,
    Tier,
    User,
)
from desk.queries.customers.duplicates import duplicates_of
from desk.queries.tickets.queue import TicketFilter, list_tickets, view_counts
from desk.settings import Settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count(session: Session, table: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def _user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def test_the_queue_has_every_status_both_languages_and_weeks_of_conversation(
    db: Database, settings: Settings
) -> None:
    started = datetime.now(UTC)
    load_demo(db, settings)
    with db.session() as session:
        tickets = list(session.exec(select(Ticket)))
        assert 180 <= len(tickets) <= 220
        assert {t.status for t in tickets} == {s.value for s in Status}
        assert {t.priority for t in tickets} == {p.value for p in Priority}
        assert {t.channel for t in tickets} == {c.value for c in Channel}
        chinese = sum(1 for t in tickets if CHINESE.search(t.subject))
        assert 0.3 <= chinese / len(tickets) <= 0.5
        assert any(t.assignee_id is None for t in tickets if t.status in ("new", "open"))
        assert any(t.assignee_id is not None for t in tickets)
        assert any(t.team_id is None for t in tickets)
        assert any(t.team_id is not None for t in tickets)
        assert _count(session, TicketTag) > len(tickets)

        # Dates spread over weeks, so sorting the queue means something.
        created = [_aware(t.created_at) for t in tickets]
        assert min(created) >= started - timedelta(days=62)
        assert max(created) - min(created) > timedelta(days=40)
        assert all(_aware(t.updated_at) >= _aware(t.created_at) for t in tickets)
        assert all(_aware(t.updated_at) <= datetime.now(UTC) for t in tickets)
        assert len({t.updated_at for t in tickets}) > 190
        solved = [t for t in tickets if t.status == Status.solved]
        assert all(t.solved_at is not None and _aware(t.solved_at) < started for t in solved)

        # Conversations: requests, public replies, internal notes, follow-ups.
        messages = list(session.exec(select(Message).order_by(col(Message.id))))
        directions = Counter(m.direction for m in messages)
        assert directions[Direction.internal] > 20
        assert directions[Direction.outbound] > 100
        assert directions[Direction.inbound] > len(tickets) + 40
        opened = {t.id: _aware(t.created_at) for t in tickets}
        assert all(_aware(m.created_at) >= opened[m.ticket_id] for m in messages)
        assert any(
            e.changes.get("status") == [Status.solved, Status.open]
            for e in session.exec(select(AuditEntry).where(AuditEntry.action == "customer_replied"))
        ), "a customer wrote again after a ticket was solved"

        # The trail real use leaves: audit rows dated like the tickets, mail, jobs.
        audit_times = [_aware(a) for a in session.exec(select(AuditEntry.at))]
        assert max(audit_times) - min(audit_times) > timedelta(days=40)
        ticket_created = session.exec(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.entity == "ticket", AuditEntry.action == "created")
        ).one()
        assert ticket_created == len(tickets)
        outbox = list(session.exec(select(OutboundMessage.status)))
        assert len(outbox) >= len(tickets) and set(outbox) == {OutboundStatus.sent}
        assert _count(session, Job) > 0

        # What an agent sees on signing in.
        lina = _user(session, "lina@desk.example")
        counts = view_counts(session, lina)
        assert counts["my_open"] > 0 and counts["unassigned"] > 0 and counts["pending"] > 0
        page = list_tickets(session, lina, TicketFilter(view="all_open"))
        assert any(CHINESE.search(t.subject) for t in page.tickets)
        # VIP customers' tickets first, then the last updated.
        newest_first = sorted(page.tickets, key=lambda t: _aware(t.updated_at), reverse=True)
        assert page.tickets == sorted(newest_first, key=lambda t: not t.vip)


def test_staff_teams_and_customers_are_as_described_and_the_printed_passwords_work(
    db: Database, settings: Settings
) -> None:
    summary = load_demo(db, settings)
    text = summary.describe()
    assert f"{settings.base_url}/agent/" in text
    assert f"{settings.base_url}/requests/new" in text
    with db.session() as session:
        staff = list(session.exec(select(User)))
        roles = Counter(u.role for u in staff)
        assert roles == {Role.agent: 5, Role.supervisor: 1, Role.admin: 1}
        teams = {t.id: t.name for t in session.exec(select(Team))}
        assert sorted(teams.values()) == ["Billing", "Support"]
        agents = {u.id for u in staff if u.role == Role.agent}
        for team_id in teams:
            member_ids = session.exec(
                select(TeamMembership.user_id).where(TeamMembership.team_id == team_id)
            )
            assert len(agents & set(member_ids)) >= 2
        chinese_agents = [u for u in staff if u.locale == "zh_CN"]
        assert chinese_agents and all(CHINESE.search(u.name) for u in chinese_agents)

        for account in summary.accounts:
            assert account.email in text and account.password in text
            user = authenticate(session, account.email, account.password)
            assert user is not None and user.role == account.role
        assert authenticate(session, "admin@desk.example", "demo-admin") is not None
        assert authenticate(session, "admin@desk.example", "wrong") is None

        # The 50 of the stories and two likely duplicates, beside the senders of the demo
        # mailbox's mail.
        mail_senders = set(session.exec(select(Message.author_customer_id).join(
            RawMessage, col(RawMessage.ticket_id) == col(Message.ticket_id)).where(
            RawMessage.mailbox == "support")))
        customers = [c for c in session.exec(select(Customer)) if c.id not in mail_senders]
        assert len(customers) == 52 and len(mail_senders) >= 4
        sarahs = [c for c in customers if c.name == "Sarah Johnson"]
        assert len(sarahs) == 2
        assert [s.customer.id for s in duplicates_of(session, sarahs[0].id)] == [sarahs[1].id]
        # Records have owners, phones, tags, custom fields and notes to show.
        assert sum(c.owner_id is not None for c in customers) > 25
        assert sum(bool(c.fields) for c in customers) > 30
        assert sum(bool(identities_of(session, c.id)["phones"]) for c in customers) > 20  # type: ignore[arg-type]
        assert _count(session, CustomerNote) > 10
        # The demo mailbox shows every outcome: tickets, an auto-reply, a bounce, the quarantine.
        outcomes = Counter(session.exec(select(RawMessage.status)))
        assert outcomes["ingested"] >= 5 and outcomes["quarantined"] == 1
        assert outcomes["autoreply"] == 1 and outcomes["bounce"] == 1 and outcomes["stored"] == 0
        orgs = list(session.exec(select(Organization)))
        assert len(orgs) == 2
        for org in orgs:
            members = [c for c in customers if c.organization_id == org.id]
            assert len(members) > 10
            assert all(c.email.endswith("@" + (org.domain or "")) for c in members)
        assert any(c.organization_id is None for c in customers)
        assert {c.tier for c in customers} == {t.value for t in Tier}
        assert {c.locale for c in customers} == {"en", "zh_CN"}


def test_loading_the_demo_twice_adds_nothing(db: Database, settings: Settings) -> None:
    first = load_demo(db, settings)
    assert not first.already_loaded
    second = load_demo(db, settings)
    assert second.already_loaded
    assert "already loaded" in second.describe()
    assert (second.tickets, second.messages, second.customers, second.staff) == (
        first.tickets, first.messages, first.customers, first.staff
    )
    with db.session() as session:
        assert _count(session, Ticket) == first.tickets
        assert _count(session, User) == 7
