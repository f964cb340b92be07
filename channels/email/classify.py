"""What a filter may answer: the message (perhaps with new facts) or a Drop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from channels.message import Classification, DeliveryReport, EmailPart, InboundMessage


@dataclass(frozen=True)
class Drop:
    """The message must not reach ingest; `reason` is recorded with it."""

    reason: str


Filter = Callable[[InboundMessage], InboundMessage | Drop]


def email_part(message: InboundMessage) -> EmailPart:
    """The mail's own part (empty for a message of another channel)."""
    return message.email or EmailPart()


def classified(message: InboundMessage, classification: Classification,
               report: DeliveryReport | None = None) -> InboundMessage:
    """`message` with the filters' conclusion (and a bounce's report) in its email part."""
    part = email_part(message)
    return replace(message, email=replace(
        part, classification=classification, delivery_report=report or part.delivery_report))


def run_filters(message: InboundMessage, filters: Iterable[Filter]) -> InboundMessage | Drop:
    """Each filter in order on the previous one's result; the first Drop ends the run."""
    for apply in filters:
        result = apply(message)
        if isinstance(result, Drop):
            return result
        message = result
    return message
