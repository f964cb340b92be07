"""The demo's people: staff with known passwords, teams, companies and customers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlmodel import Session, select

from desk.actions.audit import SYSTEM, record
from desk.actions.customers.identities import identify_customer
from desk.actions.users import add_to_team, create_user, ensure_team, hash_password
from desk.models import Customer, Organization, Role, Team, Tier, User

SUPPORT = "Support"
BILLING = "Billing"
TEAMS = (SUPPORT, BILLING)
ADMIN_EMAIL = "admin@desk.example"


@dataclass(frozen=True)
class StaffMember:
    email: str
    name: str
    role: str
    password: str
    teams: tuple[str, ...] = ()
    locale: str = "en"


STAFF = (
    StaffMember(ADMIN_EMAIL, "Jordan Reyes", Role.admin, "demo-admin"),
    StaffMember("supervisor@desk.example", "Maria Santos", Role.supervisor, "demo-supervisor",
                (SUPPORT, BILLING)),
    StaffMember("tom@desk.example", "Tom Becker", Role.agent, "demo-agent", (SUPPORT,)),
    StaffMember("priya@desk.example", "Priya Natarajan", Role.agent, "demo-agent",
                (SUPPORT, BILLING)),
    StaffMember("lina@desk.example", "李娜", Role.agent, "demo-agent", (SUPPORT,), "zh_CN"),
    StaffMember("emma@desk.example", "Emma Clarke", Role.agent, "demo-agent", (BILLING,)),
    StaffMember("wangwei@desk.example", "王伟", Role.agent, "demo-agent", (BILLING,), "zh_CN"),
)


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    tier: str
    invoice_name: str
    locale: str
    # (name, mailbox) of the people who write in; their tiers are mixed around ``tier``.
    people: tuple[tuple[str, str], ...]


COMPANIES = (
    Company("Acme Corporation", "acme.example", Tier.vip, "Acme Corporation Ltd", "en", (
        ("Sarah Johnson", "sarah.johnson"), ("Michael Chen", "michael.chen"),
        ("David Miller", "david.miller"), ("Emily Davis", "emily.davis"),
        ("James Wilson", "james.wilson"), ("Olivia Brown", "olivia.brown"),
        ("Daniel Garcia", "daniel.garcia"), ("Sophia Martinez", "sophia.martinez"),
        ("Matthew Taylor", "matthew.taylor"), ("Ava Anderson", "ava.anderson"),
        ("Chris Thomas", "chris.thomas"), ("Isabella Moore", "isabella.moore"),
        ("Andrew Jackson", "andrew.jackson"), ("Mia White", "mia.white"),
        ("Joshua Harris", "joshua.harris"), ("Charlotte Martin", "charlotte.martin"),
        ("Ryan Thompson", "ryan.thompson"), ("Amelia Clark", "amelia.clark"),
    )),
    Company("北京星辰科技", "xingchen.example.cn", Tier.standard, "北京星辰科技有限公司", "zh_CN", (
        ("张伟", "zhang.wei"), ("王芳", "wang.fang"), ("李强", "li.qiang"), ("刘洋", "liu.yang"),
        ("陈静", "chen.jing"), ("杨磊", "yang.lei"), ("赵敏", "zhao.min"), ("黄婷", "huang.ting"),
        ("周杰", "zhou.jie"), ("吴昊", "wu.hao"), ("徐丽", "xu.li"), ("孙鹏", "sun.peng"),
        ("胡雪", "hu.xue"), ("朱琳", "zhu.lin"), ("高翔", "gao.xiang"), ("林晓", "lin.xiao"),
        ("何静怡", "he.jingyi"), ("郭涛", "guo.tao"),
    )),
)

# People writing in on their own, from addresses that belong to no organisation.
INDIVIDUALS = (
    ("Lucas Becker", "lucas.becker@example.com", "en"),
    ("Nora Fischer", "nora.fischer@example.net", "en"),
    ("Omar Haddad", "omar.haddad@example.org", "en"),
    ("Grace Kim", "grace.kim@example.com", "en"),
    ("Ethan Wright", "ethan.wright@example.net", "en"),
    ("Zoe Turner", "zoe.turner@example.org", "en"),
    ("马超", "machao@example.com", "zh_CN"),
    ("罗敏", "luomin@example.net", "zh_CN"),
    ("梁文", "liangwen@example.org", "zh_CN"),
    ("宋佳", "songjia@example.com", "zh_CN"),
    ("唐宁", "tangning@example.net", "zh_CN"),
    ("韩雪", "hanxue@example.org", "zh_CN"),
    ("Sam Okafor", "sam.okafor@example.com", "en"),
    ("Lea Rossi", "lea.rossi@example.org", "en"),
)
# The company a customer of no organisation invoices under, by their language.
PRIVATE_COMPANY = {"en": "Fischer & Rossi GbR", "zh_CN": "上海云帆贸易有限公司"}
# Chances of each tier, by where a customer comes from.
TIER_WEIGHTS = {
    Tier.vip: {Tier.vip: 7, Tier.standard: 3},
    Tier.standard: {Tier.vip: 3, Tier.standard: 7},
    None: {Tier.standard: 4, Tier.prospect: 6},
}


@dataclass(frozen=True)
class Person:
    """A customer as the demo's stories need them."""

    customer: Customer
    greeting: str  # what an agent writes after "Hi" / before "您好"
    company: str

    @property
    def locale(self) -> str:
        return self.customer.locale


@dataclass
class Cast:
    teams: dict[str, Team]
    staff: dict[str, User]
    members: dict[str, list[User]]
    customers: list[Person] = field(default_factory=list)

    @property
    def supervisor(self) -> User:
        return next(u for u in self.staff.values() if u.role == Role.supervisor)

    def agents(self, team: str, locale: str) -> list[User]:
        """The team's agents who write in ``locale``; the whole team when none do."""
        team_agents = [u for u in self.members[team] if u.role == Role.agent]
        return [u for u in team_agents if u.locale == locale] or team_agents


def create_staff(session: Session) -> Cast:
    teams = {name: ensure_team(session, SYSTEM, name) for name in TEAMS}
    cast = Cast(teams=teams, staff={}, members={name: [] for name in TEAMS})
    hashes: dict[str, str] = {}
    for member in STAFF:
        # An account someone already made with a demo address is used as it is.
        user = session.exec(select(User).where(User.email == member.email)).first()
        if user is None:
            user = create_user(session, SYSTEM, member.email, member.name, member.role,
                               None, locale=member.locale)
            # One argon2 hash per password, not per account: hashing is slow on
            # purpose, and these passwords are printed for everyone anyway.
            if member.password not in hashes:
                hashes[member.password] = hash_password(member.password)
            user.password_hash = hashes[member.password]
            session.add(user)
        cast.staff[user.email] = user
        for team in member.teams:
            add_to_team(session, SYSTEM, user, teams[team])
            cast.members[team].append(user)
    return cast


def create_organizations(session: Session) -> dict[str, Organization]:
    """The companies, made as rows: no action creates organisations yet."""
    orgs: dict[str, Organization] = {}
    for company in COMPANIES:
        org = session.exec(select(Organization).where(Organization.name == company.name)).first()
        if org is None:
            org = Organization(name=company.name, domain=company.domain, tier=company.tier)
            session.add(org)
            session.flush()
            assert org.id is not None
            record(session, SYSTEM, "organization", org.id, "created",
                   {"name": [None, org.name], "domain": [None, org.domain]})
        orgs[company.name] = org
    return orgs


def create_customer(
    session: Session, rng: random.Random, name: str, email: str, locale: str,
    company: Company | None,
) -> Person:
    """A customer found or made the way ingest does it, then given a tier."""
    source = rng.choice(("email", "web"))
    customer = identify_customer(session, SYSTEM, email, name, source=source, locale=locale)
    weights = TIER_WEIGHTS[Tier(company.tier) if company else None]
    tier = rng.choices(list(weights), list(weights.values()))[0]
    if customer.tier != tier:
        assert customer.id is not None
        record(session, SYSTEM, "customer", customer.id, "updated", {"tier": [customer.tier, tier]})
        customer.tier = tier
        session.add(customer)
    greeting = name.split()[0] if locale == "en" else name
    return Person(customer, greeting,
                  company.invoice_name if company else PRIVATE_COMPANY[locale])


def people_to_create() -> list[tuple[str, str, str, Company | None]]:
    """(name, email, locale, company) of every demo customer, in a fixed order."""
    people: list[tuple[str, str, str, Company | None]] = [
        (name, f"{mailbox}@{company.domain}", company.locale, company)
        for company in COMPANIES
        for name, mailbox in company.people
    ]
    people += [(name, email, locale, None) for name, email, locale in INDIVIDUALS]
    return people
