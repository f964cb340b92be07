"""Who did it, and the audit row every change writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from desk.actions.inserts import insert_plain
from desk.db import commit
from desk.logs import current_address
from desk.models import Customer, User
from desk.models.base import now
from desk.models.tables import AUDIT


@dataclass(frozen=True)
class Actor:
    type: str  # user, customer, system, api
    id: int | None
    name: str
    # From where: the client address of the web or API request the actor was made in ("" for
    # the system, jobs and the `desk` command). Taken from the request's context so that every
    # change a request makes is recorded with it, without each page passing it down.
    address: str = field(default_factory=current_address.get)

    @classmethod
    def of_user(cls, user: User, via_api: bool = False) -> Actor:
        return cls("api" if via_api else "user", user.id, user.name)

    @classmethod
    def of_customer(cls, customer: Customer) -> Actor:
        return cls("customer", customer.id, customer.name)


SYSTEM = Actor("system", None, "Desk")


def audit_row(
    actor: Actor, entity: str, entity_id: int, action: str,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one audit row, for callers that insert many at once."""
    return dict(
        at=now(), actor_type=actor.type, actor_id=actor.id, actor_name=actor.name,
        entity=entity, entity_id=entity_id, action=action, changes=changes or {},
        address=actor.address[:64],
    )


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    # A Core insert: audit rows are written on every change, often several per request.
    insert_plain(session, AUDIT, audit_row(actor, entity, entity_id, action, changes))


def record_audit_export(session: Session, actor: Actor, filters: dict[str, str]) -> None:
    """The audit row of ``actor`` exporting the audit log with these filters, committed (the
    log is read by desk.queries.audit.audit_chunks)."""
    record(session, actor, "audit_log", 0, "exported", {"filter": dict(filters)})
    commit(session)
