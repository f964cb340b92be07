"""Rows of the outbox: mail waiting for the email channel to send it."""

from __future__ import annotations

from typing import Any

from desk.models import OutboundStatus
from desk.models.base import now
from desk.notices import Notice


def outbox_row(ticket_id: int, message_id: int | None, kind: str, to_address: str,
               notice: Notice, rfc_message_id: str) -> dict[str, Any]:
    """The values of a queued outbound mail, for a Core insert."""
    stamp = now()
    return dict(
        ticket_id=ticket_id, message_id=message_id, kind=kind, to_address=to_address,
        subject=notice.subject, body_text=notice.text, rfc_message_id=rfc_message_id,
        status=OutboundStatus.queued, attempts=0, last_error="", next_attempt_at=stamp,
        created_at=stamp,
    )
