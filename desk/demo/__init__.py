"""``desk demo``: teams, staff, customers and a few weeks of tickets to click through.

Everything is made by the real actions, so audit rows, outbox mail and jobs
exist as they would after real use. The same seed gives the same demo. The
whole demo is one transaction: it is loaded completely or not at all, which is
what makes "the admin exists" a true sign that it is there already.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from desk.db import Database, commit
from desk.demo.articles import load_demo_articles
from desk.demo.chat import load_demo_chat
from desk.demo.clock import DemoClock
from desk.demo.mail import load_demo_mail
from desk.demo.people import (
    ADMIN_EMAIL,
    STAFF,
    create_customer,
    create_organizations,
    create_staff,
    people_to_create,
)
from desk.demo.records import enrich_records
from desk.demo.tickets import plan_tickets, tell
from desk.i18n import LOCALE_NAMES
from desk.models import Article, Customer, Message, Organization, Team, Ticket, User
from desk.models.base import now
from desk.settings import Settings

__all__ = ["DemoAccount", "DemoSummary", "load_demo"]

# The demo's story starts this long ago; its oldest ticket is a little younger.
HISTORY = timedelta(days=62)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    name: str
    teams: tuple[str, ...]
    locale: str


@dataclass(frozen=True)
class DemoSummary:
    base_url: str
    already_loaded: bool
    teams: int
    staff: int
    organizations: int
    customers: int
    tickets: int
    messages: int
    accounts: tuple[DemoAccount, ...]
    articles: int = 0

    def describe(self) -> str:
        counts = (f"{self.tickets} tickets with {self.messages} messages, {self.customers} "
                  f"customers, {self.organizations} organisations, {self.teams} teams, "
                  f"{self.staff} staff, {self.articles} knowledge-base articles")
        if self.already_loaded:
            lines = [f"The demo data is already loaded ({counts}). Nothing was added."]
        else:
            lines = [f"Demo data loaded: {counts}."]
        lines += ["", f"Sign in at {self.base_url}/agent/ (once `desk serve` runs) as:"]
        width = max(len(a.email) for a in self.accounts)
        for account in self.accounts:
            about = ", ".join(account.teams)
            if account.locale != "en":
                about = "; ".join(filter(None, (about, LOCALE_NAMES[account.locale])))
            lines.append(f"  {account.role:<10}  {account.email:<{width}}  "
                         f"{account.password:<15}  {account.name}"
                         + (f" ({about})" if about else ""))
        lines += ["", f"Customers write in at {self.base_url}/requests/new"]
        return "\n".join(lines)


def load_demo(db: Database, settings: Settings, seed: int = 2024) -> DemoSummary:
    """Load the demo into ``db``, or report that it is there already."""
    with db.session() as session:
        if session.exec(select(User).where(User.email == ADMIN_EMAIL)).first() is not None:
            # A demo loaded before the knowledge base existed gets its articles now.
            load_demo_articles(session, settings)
            commit(session)
            return _summary(session, settings, already_loaded=True)
        rng = random.Random(seed)
        with DemoClock(session, now()) as clock:
            start = clock.real_now - HISTORY
            with clock.at(start):
                cast = create_staff(session)
                create_organizations(session)
            for i, (name, email, locale, company) in enumerate(people_to_create()):
                with clock.at(start + timedelta(hours=1 + i * 1.5)):
                    cast.customers.append(
                        create_customer(session, rng, name, email, locale, company)
                    )
            tell(session, settings, clock, cast, rng,
                 plan_tickets(rng, cast.customers, clock.real_now))
        enrich_records(session, rng, cast)
        load_demo_articles(session, settings)
        commit(session)
        load_demo_chat(session, settings, next(iter(cast.teams.values()), None))
        load_demo_mail(session, settings)
        return _summary(session, settings, already_loaded=False)


def _count(session: Session, table: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def _summary(session: Session, settings: Settings, already_loaded: bool) -> DemoSummary:
    return DemoSummary(
        base_url=settings.base_url,
        already_loaded=already_loaded,
        teams=_count(session, Team),
        staff=_count(session, User),
        organizations=_count(session, Organization),
        customers=_count(session, Customer),
        tickets=_count(session, Ticket),
        messages=_count(session, Message),
        articles=_count(session, Article),
        accounts=tuple(
            DemoAccount(m.role, m.email, m.password, m.name, m.teams, m.locale) for m in STAFF
        ),
    )
