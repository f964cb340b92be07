"""What the agent's ticket page shows: the ticket with its customer, conversation, history,
the customer's other tickets, the choices of its form and the mail sent on it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from desk.models import (
    AuditEntry,
    ChatConversation,
    Customer,
    Organization,
    OutboundMessage,
    SlaPolicy,
    Team,
    Ticket,
    TicketSla,
    User,
)
from desk.queries.chat import conversation_of_ticket
from desk.queries.tickets.messages import ConversationItem, conversation
from desk.queries.tickets.outbox import automatic_mail, deliveries
from desk.queries.tickets.queue import (
    customer_tickets,
    follow_ups,
    read_ticket,
    ticket_history,
    ticket_tags,
)
from desk.queries.users import active_agents, list_teams


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    customer: Customer | None
    org: Organization | None
    items: list[ConversationItem]
    history: list[AuditEntry]
    others: list[Ticket]  # the customer's other tickets, latest first
    teams: list[Team]
    agents: list[User]
    tags: list[str]
    # The outbound mail of each public reply, by the reply's message id.
    deliveries: dict[int, OutboundMessage]
    automatic: list[OutboundMessage]
    # A customer who wrote again after the ticket was closed opened a new one that follows it.
    followed_by: list[int]
    # Its SLA clocks and their policy's name (None: no policy applies).
    sla: TicketSla | None = None
    sla_policy: str = ""
    # False: another team's ticket ``user`` may only read (`Team.readable_by_all`).
    may_change: bool = True
    # A chat's conversation: who the visitor said they were (signed by the site, or typed).
    chat: ChatConversation | None = None


def ticket_view(session: Session, user: User, number: int) -> TicketView:
    """Ticket ``number`` as ``user`` sees it; raises NotFound or Forbidden (`read_ticket`)."""
    ticket, may_change = read_ticket(session, user, number)
    customer = session.get(Customer, ticket.customer_id)
    org = session.get(Organization, customer.organization_id) if customer and \
        customer.organization_id else None
    sla = session.get(TicketSla, number)
    policy = session.get(SlaPolicy, sla.policy_id) if sla is not None else None
    return TicketView(
        ticket=ticket, customer=customer, org=org,
        items=conversation(session, number, public_only=False),
        history=ticket_history(session, number),
        others=[t for t in customer_tickets(session, user, ticket.customer_id) if t.id != number],
        teams=list_teams(session), agents=active_agents(session),
        tags=ticket_tags(session, number), deliveries=deliveries(session, number),
        automatic=automatic_mail(session, number), followed_by=follow_ups(session, number),
        sla=sla, sla_policy=policy.name if policy is not None else "", may_change=may_change,
        chat=conversation_of_ticket(session, number) if ticket.channel == "chat" else None,
    )
