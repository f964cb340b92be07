"""What a filter may answer: the message (perhaps with new facts) or a Drop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from channels.message import InboundMessage


@dataclass(frozen=True)
class Drop:
    """The message must not reach ingest; `reason` is recorded with it."""

    reason: str


Filter = Callable[[InboundMessage], InboundMessage | Drop]


def run_filters(message: InboundMessage, filters: Iterable[Filter]) -> InboundMessage | Drop:
    """Each filter in order on the previous one's result; the first Drop ends the run."""
    for apply in filters:
        result = apply(message)
        if isinstance(result, Drop):
            return result
        message = result
    return message
