"""The 'we received your request' mail: written with the ticket it acknowledges, sent by
the `send_mail` handler once the intake commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from desk import notices
from desk.actions.customers.identities import Sender
from desk.actions.inserts import insert_rows
from desk.actions.tickets.outbox import can_send, outbox_row, queue_sends
from desk.links import request_link
from desk.models import OutboundKind
from desk.models.base import now
from desk.models.tables import OUTBOX
from desk.settings import Settings
from desk.threading_ids import new_message_id


@dataclass(frozen=True)
class Placement:
    """Where a new request lands and whether it is acknowledged; set by the channel
    (a mailbox's team and acknowledgement settings), defaults for the web form and API."""

    mailbox_id: int | None = None
    team_id: int | None = None
    acknowledge: bool = True
    # At most this many acknowledgements per sender address per hour (None: no limit).
    ack_per_hour: int | None = None
    # A mailbox's own template; "" uses the localised default. Placeholders:
    # {number} {subject} {name} {link}.
    ack_subject: str = ""
    ack_body: str = ""


DEFAULT_PLACEMENT = Placement()

_ACKS_SINCE = core_select(OUTBOX.c.to_address, func.count()).where(
    OUTBOX.c.to_address.in_(bindparam("addresses", expanding=True)),
    OUTBOX.c.kind == OutboundKind.acknowledgement,
    OUTBOX.c.created_at >= bindparam("since"),
).group_by(OUTBOX.c.to_address)


@dataclass(frozen=True)
class Opening:
    """A ticket just opened, as the acknowledgement needs it."""

    ticket_id: int
    subject: str
    sender: Sender
    token: str
    place: Placement
    in_reply_to: str


def acknowledge(session: Session, settings: Settings, opened: Sequence[Opening]) -> None:
    """Queue the acknowledgements `opened` should get: never beyond a mailbox's hourly limit
    per sender (this batch counted too), never when the mailbox does not acknowledge, never
    to a sender without an address. A desk that cannot send keeps them queued, unsent."""
    wanted = _within_limits(session, opened)
    acks = [_acknowledgement(settings, o) for o, ok in zip(opened, wanted, strict=True) if ok]
    if acks:
        ack_ids = insert_rows(session, OUTBOX, acks)
        if can_send(session):  # one look per batch
            queue_sends(session, ack_ids)


def _within_limits(session: Session, opened: Sequence[Opening]) -> list[bool]:
    limited = sorted({o.sender.email for o in opened
                      if o.place.acknowledge and o.place.ack_per_hour is not None})
    sent: dict[str, int] = {}
    if limited:
        since = now() - timedelta(hours=1)
        sent = {address: count for address, count in session.connection().execute(
            _ACKS_SINCE, {"addresses": limited, "since": since})}
    wanted = []
    for o in opened:
        ok = o.place.acknowledge and bool(o.sender.email)
        if ok and o.place.ack_per_hour is not None:
            ok = sent.get(o.sender.email, 0) < o.place.ack_per_hour
            if ok:
                sent[o.sender.email] = sent.get(o.sender.email, 0) + 1
        wanted.append(ok)
    return wanted


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: _Blank, default: str) -> str:
    """A mailbox's template with its placeholders filled; the default when it has none
    or is malformed (a stray brace must not stop mail from coming in)."""
    if not template:
        return default
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        return default


def _acknowledgement(settings: Settings, o: Opening) -> dict[str, object]:
    """The outbox row of the 'we received your request' mail; the email channel sends it."""
    link = request_link(settings.base_url, o.token)
    sender, place = o.sender, o.place
    notice = notices.acknowledgement(sender.locale, o.ticket_id, o.subject, sender.name, link)
    if place.ack_subject or place.ack_body:
        values = _Blank(number=str(o.ticket_id), subject=o.subject, name=sender.name, link=link)
        notice = notices.Notice(subject=_fill(place.ack_subject, values, notice.subject)[:400],
                                text=_fill(place.ack_body, values, notice.text))
    row = outbox_row(o.ticket_id, None, OutboundKind.acknowledgement, sender.email, notice,
                     new_message_id(settings))
    row.update(in_reply_to=o.in_reply_to, references=o.in_reply_to, mailbox_id=place.mailbox_id)
    return row
