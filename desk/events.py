"""What happened, as returned by actions. JSON-only payloads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TicketCreated:
    ticket_id: int
    channel: str


@dataclass(frozen=True)
class CustomerReplied:
    ticket_id: int
    message_id: int


@dataclass(frozen=True)
class AgentReplied:
    ticket_id: int
    message_id: int
    outbound_id: int | None


@dataclass(frozen=True)
class TicketUpdated:
    ticket_id: int
    fields: tuple[str, ...]


Event = TicketCreated | CustomerReplied | AgentReplied | TicketUpdated
