"""Keeping records fresh and handing over an agent's work.

``mark_reviewed`` restarts a record's review clock; ``set_review_days`` changes after how many
days each tier's records come due; ``transfer_agent_work`` moves one agent's customers and
unfinished tickets to another in one recorded action (when someone leaves a team).
Nothing here commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Table, update
from sqlmodel import Session

from desk.actions.audit import Actor, audit_row, record
from desk.actions.customers.review_reminders import book_review_reminders
from desk.actions.input_errors import InputError
from desk.actions.inserts import insert_many
from desk.i18n import _
from desk.models import Customer, Notification, Tier, TierPolicy, User
from desk.models.base import now
from desk.models.tables import AUDIT, CUSTOMERS, TICKETS
from desk.queries.customers.care import TRANSFER_STATUSES, review_policy

MIN_REVIEW_DAYS = 1
MAX_REVIEW_DAYS = 3650
WORK_TRANSFERRED = "work_transferred"
NOTIFICATIONS: Table = Notification.__table__  # type: ignore[attr-defined]


class CareError(InputError):
    """Input the review and transfer actions will not save."""


@dataclass(frozen=True)
class Transfer:
    customer_ids: list[int]
    ticket_ids: list[int]


def mark_reviewed(session: Session, actor: Actor, customer: Customer) -> None:
    assert customer.id is not None
    before = customer.reviewed_at
    customer.reviewed_at = now()
    session.add(customer)
    session.flush()
    record(session, actor, "customer", customer.id, "reviewed",
           {"reviewed_at": [before.isoformat() if before else None,
                            customer.reviewed_at.isoformat()]})


def set_review_days(session: Session, actor: Actor,
                    days: Mapping[str, str | int]) -> dict[str, list[int | None]]:
    """Set the review days of the tiers given (whole numbers 1–3650). Returns what changed.
    Raises CareError and changes nothing then."""
    clean: dict[str, int] = {}
    for tier, raw in days.items():
        if tier not in {t.value for t in Tier}:
            raise CareError(tier, _("Unknown tier."))
        text = str(raw).strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0
        if not MIN_REVIEW_DAYS <= value <= MAX_REVIEW_DAYS:
            raise CareError(tier, _("Give a whole number of days from 1 to 3650."))
        clean[tier] = value
    before = review_policy(session)
    diff: dict[str, list[int | None]] = {tier: [before.get(tier), value] for tier, value in clean.items()
            if before.get(tier) != value}
    for tier in diff:
        row = session.get(TierPolicy, tier) or TierPolicy(tier=tier, review_days=clean[tier])
        row.review_days = clean[tier]
        session.add(row)
    if diff:
        session.flush()
        # The policy has no numeric id; the audit trail files it under 0.
        record(session, actor, "tier_policy", 0, "updated", dict(diff))
    return diff


def transfer_agent_work(session: Session, actor: Actor, from_user: User, to_user: User) -> Transfer:
    """Every customer ``from_user`` owns and every unfinished ticket assigned to them (new,
    open, on hold, pending) now belong to ``to_user``; one audit row sums it up on the user,
    one per record says who had it before; ``to_user`` gets one notification."""
    assert from_user.id is not None and to_user.id is not None
    if from_user.id == to_user.id:
        raise CareError("to_user", _("Choose two different agents."))
    if not to_user.is_active:
        raise CareError("to_user", _("The agent who takes over must be active."))
    stamp = now()
    connection = session.connection()
    customer_ids = sorted(connection.execute(
        update(CUSTOMERS).where(CUSTOMERS.c.owner_id == from_user.id)
        .values(owner_id=to_user.id, updated_at=stamp).returning(CUSTOMERS.c.id)).scalars())
    ticket_ids = sorted(connection.execute(
        update(TICKETS).where(TICKETS.c.assignee_id == from_user.id,
                              TICKETS.c.status.in_(TRANSFER_STATUSES))
        .values(assignee_id=to_user.id, updated_at=stamp, version=TICKETS.c.version + 1)
        .returning(TICKETS.c.id)).scalars())
    if customer_ids:
        book_review_reminders(session)
    moved = [from_user.id, to_user.id]
    insert_many(session, AUDIT, [
        *(audit_row(actor, "customer", i, "updated", {"owner_id": moved}) for i in customer_ids),
        *(audit_row(actor, "ticket", i, "updated", {"assignee_id": moved}) for i in ticket_ids)])
    record(session, actor, "user", from_user.id, WORK_TRANSFERRED, {
        "to_user_id": [None, to_user.id], "to_user_name": [None, to_user.name],
        "customers": [len(customer_ids), 0], "tickets": [len(ticket_ids), 0]})
    if customer_ids or ticket_ids:
        session.add(Notification(user_id=to_user.id, kind=WORK_TRANSFERRED))
    # Objects loaded before the Core updates must not write their stale owner back.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Customer) and obj.id in customer_ids:
            session.expire(obj)
    return Transfer(customer_ids, ticket_ids)


def mark_notifications_read(session: Session, user_id: int) -> None:
    session.connection().execute(
        update(NOTIFICATIONS).where(NOTIFICATIONS.c.user_id == user_id,
                                    NOTIFICATIONS.c.read_at.is_(None)).values(read_at=now()))
