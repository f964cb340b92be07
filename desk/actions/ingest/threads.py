"""Threading: which ticket a message answers, from the keys its channel gave it.

Looked up for a whole batch at once: every id the batch names (its own, the ones it
answers) among stored messages and sent mail, and the owner and status of every ticket
a sender names by number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from channels.message import InboundMessage
from desk.actions.ingest.writing import REOPENS
from desk.models import Status
from desk.models.tables import CUSTOMERS, MESSAGES, OUTBOX, TICKETS

# Ticket numbers are 32-bit integers; a larger "[#N]" is no ticket of ours.
MAX_TICKET = 2**31 - 1

_MESSAGES_BY_IDS = core_select(MESSAGES.c.message_id, MESSAGES.c.ticket_id).where(
    MESSAGES.c.message_id.in_(bindparam("ids", expanding=True)))
_OUTBOX_BY_IDS = core_select(OUTBOX.c.rfc_message_id, OUTBOX.c.ticket_id).where(
    OUTBOX.c.rfc_message_id.in_(bindparam("ids", expanding=True)))
_TICKETS = core_select(TICKETS.c.id, TICKETS.c.status, CUSTOMERS.c.email,
                       TICKETS.c.merged_into_id).join(
    CUSTOMERS, CUSTOMERS.c.id == TICKETS.c.customer_id).where(
    TICKETS.c.id.in_(bindparam("ids", expanding=True)))
_LAST_TICKET = core_select(func.max(TICKETS.c.id))
# How far a chain of merges (A into B, B into C) is followed.
_MAX_MERGES = 8

# Addresses at these domains belong to unrelated people: sharing one proves nothing.
PUBLIC_MAIL_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.jp", "yahoo.com.tw", "yahoo.com.hk", "icloud.com", "me.com",
    "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.ru",
    "yandex.ru", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com",
    "sina.cn", "sohu.com", "aliyun.com", "139.com", "189.cn", "hinet.net", "naver.com",
))


def may_quote_tag(owner: str, sender: str) -> bool:
    """Whether a "[#N]" tag from `sender` may add to the ticket of customer `owner`: the
    customer, or a colleague at the same company domain (someone the customer copied in).
    A tag alone never lets a stranger at a public mail provider write into a ticket."""
    sender = sender.strip().lower()
    if sender == owner:
        return True
    domain = sender.rpartition("@")[2]
    return bool(domain) and domain == owner.rpartition("@")[2] and domain not in PUBLIC_MAIL_DOMAINS


@dataclass(frozen=True)
class TicketInfo:
    status: str
    owner: str  # the customer's primary address
    merged_into: int | None = None  # merged: what continues it goes to that ticket


@dataclass
class Known:
    """What the database holds of the ids and ticket numbers a batch names."""

    messages: dict[str, int]  # a stored message's id -> its ticket
    sent: dict[str, int]  # an outbound mail's Message-ID -> its ticket
    tickets: dict[int, TicketInfo]
    last_ticket: int  # the highest ticket number before the batch (0 when nothing asked)

    def ticket_of(self, ref: str) -> int | None:
        return self.messages.get(ref) or self.sent.get(ref)

    def final(self, number: int) -> int:
        """The ticket that holds ``number``'s conversation now: itself, or the ticket it was
        merged into (followed along a chain of merges)."""
        for _ in range(_MAX_MERGES):
            info = self.tickets.get(number)
            if info is None or info.merged_into is None or info.merged_into not in self.tickets:
                break
            number = info.merged_into
        return number


def named_ticket(message: InboundMessage) -> int | None:
    number = message.thread.ticket_number
    return number if number is not None and 0 < number <= MAX_TICKET else None


def look_up(session: Session, messages: Sequence[InboundMessage]) -> Known:
    """One query per table for everything `messages` name; none when they name nothing."""
    wanted: set[str] = set()
    numbers: set[int] = set()
    for m in messages:
        wanted.update((m.thread.message_id, *m.thread.answers()))
        if (number := named_ticket(m)) is not None:
            numbers.add(number)
    wanted.discard("")
    conn = session.connection()
    known = Known({}, {}, {}, 0)
    if wanted:
        names = sorted(wanted)
        known.messages = {r.message_id: r.ticket_id for r in conn.execute(_MESSAGES_BY_IDS, {"ids": names})}
        known.sent = {r.rfc_message_id: r.ticket_id for r in conn.execute(_OUTBOX_BY_IDS, {"ids": names})}
    numbers.update(known.messages.values())
    numbers.update(known.sent.values())
    for _ in range(_MAX_MERGES):  # merged tickets, then what they were merged into
        if not numbers:
            break
        known.tickets.update((r.id, TicketInfo(r.status, r.email, r.merged_into_id)) for r in
                             conn.execute(_TICKETS, {"ids": sorted(numbers)}))
        numbers = {i.merged_into for i in known.tickets.values()
                   if i.merged_into is not None and i.merged_into not in known.tickets}
    if any(named_ticket(m) is not None for m in messages):
        known.last_ticket = conn.execute(_LAST_TICKET).scalar() or 0
    return known


def remember(session: Session, known: Known, stored: Sequence[tuple[str, int]],
             opened: Sequence[int], added: Sequence[int]) -> None:
    """What a part of the batch just wrote, into `known` for the rest of the batch: the own
    ids of its messages (`stored`: id, ticket), the tickets it opened (their owners read
    back: one query), and the tickets it added to (waiting or solved ones are open now)."""
    known.messages.update((mid, ticket) for mid, ticket in stored if mid)
    for ticket in added:
        info = known.tickets.get(ticket)
        if info is not None and info.status in REOPENS:
            known.tickets[ticket] = TicketInfo(Status.open, info.owner, info.merged_into)
    if opened:
        known.tickets.update((r.id, TicketInfo(r.status, r.email, r.merged_into_id)) for r in
                             session.connection().execute(_TICKETS, {"ids": sorted(opened)}))
        known.last_ticket = max(known.last_ticket, *opened)
