"""Notes staff keep on a customer record. Nothing here commits."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.customers.records import CustomerError
from desk.i18n import _
from desk.models import Customer, CustomerNote

MAX_NOTE = 10_000


def add_note(session: Session, actor: Actor, customer: Customer, body: str) -> CustomerNote:
    """Add a note by ``actor`` (flushed, audited). Raises CustomerError on an empty or
    overlong body, adding nothing then."""
    assert customer.id is not None
    text = body.strip()
    if not text:
        raise CustomerError("body", _("Write the note first."))
    if len(text) > MAX_NOTE:
        raise CustomerError("body", _("The note is too long (10,000 characters at most)."))
    if customer.merged_into_id is not None:
        raise CustomerError("id", _("This record was merged into another one."))
    note = CustomerNote(customer_id=customer.id, author_id=actor.id if actor.type == "user" else None,
                        body=text)
    session.add(note)
    session.flush()
    assert note.id is not None
    record(session, actor, "customer", customer.id, "note_added", {"note_id": [None, note.id]})
    return note

