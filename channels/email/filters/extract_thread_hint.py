"""The "[#N]" tag Desk puts in subjects: a hint for threading when headers fail."""

from __future__ import annotations

import re
from dataclasses import replace

from channels.email.classify import Drop
from channels.message import InboundMessage

_TAG = re.compile(r"\[#(\d{1,12})\]")


def extract_thread_hint(message: InboundMessage) -> InboundMessage | Drop:
    """`message` with its thread keys naming ticket N of the first "[#N]" in its subject (if any)."""
    match = _TAG.search(message.subject)
    if match is None:
        return message
    return replace(message, thread=replace(message.thread, ticket_number=int(match.group(1))))
