"""What the queue shows for a search: subjects, customer names and a passage of the first
message that holds the words, with the words marked (desk.search_words escapes the text)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlmodel import Session

from desk.queries.tickets.queue import TicketPage
from desk.queries.tickets.search import message_texts
from desk.search_words import highlight, parse_query, snippet

_NUMBER = re.compile(r"#?(\d{1,9})")


@dataclass
class Marks:
    subjects: dict[int, Markup] = field(default_factory=dict)
    customers: dict[int, Markup] = field(default_factory=dict)
    passages: dict[int, Markup] = field(default_factory=dict)
    # A query that is a ticket number ("#42", "42") also offers that ticket.
    number: int | None = None


def search_marks(session: Session, page: TicketPage, q: str) -> Marks:
    query = parse_query(q)
    number = _NUMBER.fullmatch(q.strip())
    marks = Marks(number=int(number.group(1)) if number else None)
    for ticket in page.tickets:
        assert ticket.id is not None
        marks.subjects[ticket.id] = highlight(ticket.subject, query)
    for customer_id, customer in page.customers.items():
        marks.customers[customer_id] = highlight(customer.name, query)
    for passage in message_texts(session, [t.id for t in page.tickets if t.id is not None]):
        if passage.ticket_id not in marks.passages:
            found = snippet(passage.text, query)
            if found is not None:
                marks.passages[passage.ticket_id] = found
    return marks
