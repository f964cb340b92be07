"""Mail from one of the desk's own addresses: a loop in the making (our acknowledgement
returned by a forwarding rule, a mailbox that Ccs another). It is treated as an
automatic message: it may add to the ticket it answers, but never opens one and is
never acknowledged, so two mailboxes can never answer each other for ever."""

from __future__ import annotations

from collections.abc import Collection

from channels.email.classify import Drop, Filter, classified
from channels.message import InboundMessage


def detect_own_address(own: Collection[str]) -> Filter:
    """The filter for the desk's addresses `own` (lower case); they change with the
    mailboxes, so the desk builds it per batch."""

    def apply(message: InboundMessage) -> InboundMessage | Drop:
        if not message.automatic and message.sender.value.strip().lower() in own:
            return classified(message, "autoreply")
        return message

    return apply
