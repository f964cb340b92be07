"""The demo's customer records beyond what mail and forms leave behind: custom fields, owners,
phones, tags, notes, review dates and two likely duplicates, so every customer page has
something to show. Everything goes through the real actions (audited like any edit)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.notes import add_note
from desk.actions.customers.records import create_customer, update_customer
from desk.demo.people import Cast, Person
from desk.models import CustomerField, FieldKind, Organization, Role, Tier, User
from desk.models.base import now

FIELDS: tuple[tuple[str, str, str, list[str]], ...] = (
    ("plan", "Plan", FieldKind.choice, ["Starter", "Business", "Enterprise"]),
    ("seats", "Seats", FieldKind.number, []),
    ("renewal", "Renewal date", FieldKind.date, []),
    ("account_manager_note", "Account manager's note", FieldKind.text, []),
)
TAGS_EN = ("newsletter", "beta", "reseller", "training", "annual-billing")
TAGS_ZH = ("渠道商", "培训", "年付", "beta")
NOTES_EN = (
    "Prefers phone calls in the morning (CET).",
    "Evaluating the Enterprise plan; send the security questionnaire when asked.",
    "Renewal call booked for next month.",
)
NOTES_ZH = (
    "客户希望通过电话沟通，上午联系为宜。",
    "正在评估企业版，需要时提供安全问卷。",
    "下月续约，请提前准备报价。",
)


def enrich_records(session: Session, rng: random.Random, cast: Cast) -> None:
    """Fields, owners, contact details, tags, notes and review dates for the demo customers."""
    for position, (key, label, kind, choices) in enumerate(FIELDS):
        if session.exec(select(CustomerField).where(CustomerField.key == key)).first() is None:
            session.add(CustomerField(key=key, label=label, kind=kind, choices=choices,
                                      position=position))
    session.flush()
    agents = [u for u in cast.staff.values() if u.role == Role.agent]
    for i, person in enumerate(cast.customers):
        _enrich(session, rng, cast, agents, person, i)
    _add_duplicates(session, cast)


def _enrich(session: Session, rng: random.Random, cast: Cast, agents: list[User], person: Person,
            i: int) -> None:
    customer = person.customer
    chinese = person.locale != "en"
    changes: dict[str, object] = {}
    if customer.tier != Tier.prospect or i % 3 == 0:
        same_language = [a for a in agents if (a.locale != "en") == chinese] or agents
        changes["owner_id"] = rng.choice(same_language).id
    if i % 2 == 0:
        changes["phones"] = [f"+86 13{rng.randrange(10**8, 10**9)}" if chinese
                             else f"+49 30 {rng.randrange(1000000, 9999999)}"]
    if i % 3 != 2:
        pool = TAGS_ZH if chinese else TAGS_EN
        changes["tags"] = rng.sample(pool, k=1 + i % 2)
    if customer.organization_id is not None:
        changes["fields"] = {
            "plan": "Enterprise" if customer.tier == Tier.vip else rng.choice(["Starter", "Business"]),
            "seats": rng.choice([5, 12, 25, 50, 120]),
            "renewal": (now() + timedelta(days=rng.randrange(20, 300))).date().isoformat(),
        }
    update_customer(session, SYSTEM, customer, changes)
    if i % 4 == 0:
        author = next((a for a in agents if a.id == changes.get("owner_id")), agents[0])
        notes = NOTES_ZH if chinese else NOTES_EN
        add_note(session, Actor.of_user(author), customer, notes[i % len(notes)])
    # Some records were reviewed lately; the rest are due on their owners' lists.
    if i % 3 == 1:
        customer.reviewed_at = now() - timedelta(days=rng.randrange(1, 20))
        session.add(customer)


def _add_duplicates(session: Session, cast: Cast) -> None:
    """A second record for two people: what the duplicate suggestions are for."""
    by_email = {p.customer.email: p.customer for p in cast.customers}
    sarah = by_email.get("sarah.johnson@acme.example")
    if sarah is not None:
        create_customer(session, SYSTEM, {
            "name": "Sarah Johnson", "emails": ["sarah.johnson+billing@acme.example"],
            "organization_id": sarah.organization_id, "tier": sarah.tier}, source="import")
    fang = by_email.get("wang.fang@xingchen.example.cn")
    if fang is not None:
        org = session.get(Organization, fang.organization_id) if fang.organization_id else None
        create_customer(session, SYSTEM, {
            "name": "王芳", "emails": ["fang.wang@xingchen.example.cn"],
            "organization_id": org.id if org else None}, source="email")
