"""The intake: the one entrance by which every channel's messages become tickets.

The web form, email (IMAP, SMTP/LMTP push, `desk ingest`), the API and the customer's
private page all hand `ingest` channel-neutral messages (`channels.message`), in batches,
and it does, in one place and this order:

0. cleaning (`cleaning.py`): control characters out of subjects, names and addresses, NULs
   out of text, direction overrides out of file names;
1. duplicates: a message whose own id is already stored (or came earlier in the batch)
   lands nowhere;
2. threading: the ticket it continues, by the ids it answers (stored messages and our sent
   mail, and messages earlier in the batch), else by the ticket it names if the sender may
   write into it (`threads.may_quote_tag`); a ticket that is closed is continued by a new
   ticket that follows it; automatic mail (auto-replies, our own mail come back) may add
   to a ticket but never opens one;
3. the customer: found by the sender's identity or created, only for messages that land;
4. the write: open tickets (with acknowledgements) and add to tickets, one statement per
   table for the batch, reopening tickets that waited on the customer or were solved;
5. events: TicketCreated and CustomerReplied, whose handlers run after the caller commits.

Everything happens in the caller's transaction; quarantine and retry wrap it
(`desk.actions.mail.quarantine`), the web form's group commit batches it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session

from channels.message import InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.identities import Contact, identify_senders
from desk.actions.ingest.acknowledgements import DEFAULT_PLACEMENT, Placement
from desk.actions.ingest.cleaning import cleaned
from desk.actions.ingest.threads import Known, look_up, may_quote_tag, named_ticket, remember
from desk.actions.ingest.writing import Continuation, NewTicket, add_to_tickets, open_tickets
from desk.actions.jobs import publish
from desk.events import CustomerReplied, Event, TicketCreated
from desk.models import Status
from desk.settings import Settings

__all__ = ["DEFAULT_PLACEMENT", "Ingested", "Outcome", "Placement", "ingest", "may_quote_tag"]

# opened: a new ticket; added: added to a ticket; duplicate: stored before, nothing done;
# dropped: automatic mail that answers no open ticket.
Outcome = Literal["opened", "added", "duplicate", "dropped"]


@dataclass(frozen=True)
class Ingested:
    """What became of one message."""

    outcome: Outcome
    ticket_id: int | None = None
    customer_id: int | None = None
    message_id: int | None = None  # the stored message
    token: str = ""  # opened: the signed token of the customer's private page
    events: list[Event] = field(default_factory=list)


# Where a message goes: a ticket, the index of a message of this batch that opens one, or
# a new ticket (following a closed one, or None).
@dataclass(frozen=True)
class _Open:
    follows_id: int | None


@dataclass(frozen=True)
class _Add:
    ticket_id: int | None
    batch_index: int | None  # the message of this batch whose new ticket it continues


@dataclass(frozen=True)
class _Skip:
    outcome: Outcome


_Route = _Open | _Add | _Skip


def ingest(session: Session, settings: Settings, messages: Sequence[InboundMessage],
           placements: Sequence[Placement] | None = None) -> list[Ingested]:
    """What became of each message, in order; in the caller's transaction. `placements`
    (one per message) say where a new ticket lands and how it is acknowledged."""
    places = list(placements) if placements is not None else [DEFAULT_PLACEMENT] * len(messages)
    messages = [cleaned(m) for m in messages]
    session.flush()  # the statements below read and write tickets the caller may have changed
    known = look_up(session, messages)
    results: list[Ingested] = []
    start = 0
    while start < len(messages):
        # A message that names a ticket opened earlier in this batch ("[#N]" of a request
        # and its reply fetched together) needs that ticket written first: the batch is cut
        # there, and what the first part wrote is remembered for the rest.
        end, routes = _route(messages, start, known)
        written = _write(session, settings, messages[start:end], places[start:end], routes)
        results.extend(written)
        if end < len(messages):
            remember(session, known, [
                (m.thread.message_id, r.ticket_id) for m, r in zip(messages[start:end], written, strict=True)
                if r.ticket_id is not None and r.outcome in ("opened", "added")],
                [r.ticket_id for r in written if r.outcome == "opened" and r.ticket_id is not None],
                [r.ticket_id for r in written if r.outcome == "added" and r.ticket_id is not None])
        start = end
    return results


def _route(messages: Sequence[InboundMessage], start: int, known: Known) -> tuple[int, list[_Route]]:
    seen: dict[str, _Add] = {}  # the own id of a message of this run -> where it went
    routes: list[_Route] = []
    opens = 0
    for index in range(start, len(messages)):
        m = messages[index]
        mid = m.thread.message_id
        if mid and (mid in seen or mid in known.messages):
            routes.append(_Skip("duplicate"))
            continue
        number = named_ticket(m)
        if opens and number is not None and number > known.last_ticket and number not in known.tickets:
            return index, routes
        route = _thread(m, known, seen, index - start)
        if isinstance(route, _Add) and route.ticket_id is not None and (
                known.tickets[route.ticket_id].status == Status.closed):
            route = _Open(follows_id=route.ticket_id)
        if isinstance(route, _Open) and m.automatic:
            route = _Skip("dropped")
        if isinstance(route, _Open):
            opens += 1
        if mid and not isinstance(route, _Skip):
            seen[mid] = route if isinstance(route, _Add) else _Add(None, index - start)
        routes.append(route)
    return len(messages), routes


def _thread(m: InboundMessage, known: Known, seen: dict[str, _Add], here: int) -> _Route:
    for ref in m.thread.answers():
        if ref in seen:
            return seen[ref]
        found = known.ticket_of(ref)
        if found is not None and found in known.tickets:
            return _Add(known.final(found), None)
    number = named_ticket(m)
    if number is not None and number in known.tickets and may_quote_tag(
            known.tickets[number].owner, m.sender.value):
        return _Add(known.final(number), None)
    return _Open(follows_id=None)


def _ticket(route: _Add) -> int:
    assert route.ticket_id is not None
    return route.ticket_id


def _write(session: Session, settings: Settings, messages: Sequence[InboundMessage],
           places: Sequence[Placement], routes: list[_Route]) -> list[Ingested]:
    landing = [i for i, r in enumerate(routes) if not isinstance(r, _Skip)]
    senders = dict(zip(landing, identify_senders(session, SYSTEM, [
        Contact(messages[i].sender.value, messages[i].sender.name, messages[i].channel,
                messages[i].locale) for i in landing]), strict=True))
    new = [i for i in landing if isinstance(routes[i], _Open)]
    opened = dict(zip(new, open_tickets(session, settings, [
        NewTicket(messages[i], senders[i], places[i], routes[i].follows_id)  # type: ignore[union-attr]
        for i in new]), strict=True))
    added_at: dict[int, int] = {}
    for i in landing:
        route = routes[i]
        if isinstance(route, _Add):
            added_at[i] = (opened[route.batch_index].ticket_id if route.batch_index is not None
                           else _ticket(route))
    added = dict(zip(added_at, add_to_tickets(session, settings, [
        Continuation(ticket, messages[i], senders[i]) for i, ticket in added_at.items()]), strict=True))
    results: list[Ingested] = []
    events: list[Event] = []
    for i, route in enumerate(routes):
        if isinstance(route, _Skip):
            results.append(Ingested(route.outcome))
            continue
        m, sender = messages[i], senders[i]
        if i in opened:
            o = opened[i]
            mine: list[Event] = [TicketCreated(o.ticket_id, m.channel, sender.id)]
            results.append(Ingested("opened", o.ticket_id, sender.id, o.message_id, o.token, mine))
        else:
            mine = [CustomerReplied(added_at[i], added[i], m.channel)]
            results.append(Ingested("added", added_at[i], sender.id, added[i], "", mine))
        events.extend(mine)
    publish(session, events)
    return results
