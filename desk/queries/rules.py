"""Reads of routing rules: the ordered list, one rule, what a rule may name."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import (
    AuditEntry,
    CustomerField,
    Role,
    Rule,
    SlaPolicy,
    Team,
    TeamMembership,
    Ticket,
    TicketField,
    User,
)


def list_rules(session: Session, enabled_only: bool = False) -> list[Rule]:
    """Every rule in the order they run."""
    query = select(Rule).order_by(col(Rule.position), col(Rule.id))
    if enabled_only:
        query = query.where(col(Rule.enabled).is_(True))
    return list(session.exec(query))


def get_rule(session: Session, rule_id: int) -> Rule | None:
    return session.get(Rule, rule_id) if 0 < rule_id < 2**31 else None


def team_ids(session: Session) -> set[int]:
    return {i for i in session.exec(select(Team.id)) if i is not None}


def assignable_agents(session: Session, team_id: int | None = None,
                      available_only: bool = False) -> list[int]:
    """Active staff who take tickets (agents, supervisors, admins), by id; of one team if given;
    only those not set away, for automatic assignment."""
    query = select(User.id).where(col(User.is_active).is_(True),
                                  col(User.role).in_([Role.agent, Role.supervisor, Role.admin]))
    if available_only:
        query = query.where(User.availability == "available")
    if team_id is not None:
        query = query.join(TeamMembership, col(TeamMembership.user_id) == col(User.id)).where(
            TeamMembership.team_id == team_id)
    return sorted(i for i in session.exec(query) if i is not None)


def recent_tickets(session: Session, limit: int) -> list[Ticket]:
    """The newest tickets, for a dry run of a draft rule."""
    return list(session.exec(select(Ticket).order_by(col(Ticket.id).desc()).limit(limit)))


def policy_ids(session: Session) -> set[int]:
    return {i for i in session.exec(select(SlaPolicy.id)) if i is not None}


def last_ticket_action(session: Session, ticket_id: int) -> str | None:
    """What the ticket's newest history entry did ("updated", "rules_stopped", ...)."""
    return session.exec(select(AuditEntry.action).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id)
        .order_by(col(AuditEntry.id).desc()).limit(1)).first()


def ticket_field_specs(session: Session) -> list[tuple[str, str, tuple[str, ...]]]:
    """The ticket custom fields rules may test and set: (key, kind, options)."""
    return [(f.key, f.kind, tuple(f.choices)) for f in session.exec(select(TicketField))]


def customer_field_keys(session: Session) -> set[str]:
    """The keys of the customer custom fields rules may test."""
    return set(session.exec(select(CustomerField.key)))
