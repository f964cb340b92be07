"""The solved-ticket content rule: a solved or closed ticket untouched for N days keeps its
row (subject, status, team, who and when), its history in the audit log and its place in
the reports, but loses what was written: every message's text, quoted text and HTML, the
bodies of the mail sent from it, its attachments (rows and files) and the raw mail it came
by. One ticket per transaction, each recorded as an audit entry of its own
("content_removed") and marked (`Ticket.content_removed_at`) so a later run skips it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update
from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.tickets.search_index import reindex_tickets
from desk.attachment_store import attachment_files
from desk.models import Attachment
from desk.models.base import now
from desk.models.tables import ATTACHMENTS, MESSAGES, OUTBOX, RAW, RAW_BYTES, TICKETS


def remove_ticket_content(session: Session, actor: Actor, ticket_id: int,
                          attachments_dir: Path) -> list[Path]:
    """Empty the ticket's conversation, in the caller's transaction; returns the attachment
    files to delete once it commits (desk.actions.customers.privacy.remove_files)."""
    connection = session.connection()
    m = MESSAGES.c
    in_ticket = select(m.id).where(m.ticket_id == ticket_id)
    messages = connection.execute(update(MESSAGES).where(m.ticket_id == ticket_id)
                                  .values(text="", quoted="", html="")).rowcount
    rows = connection.execute(select(ATTACHMENTS).where(
        ATTACHMENTS.c.message_id.in_(in_ticket))).all()
    files = attachment_files(attachments_dir, [Attachment(**row._mapping) for row in rows])
    if rows:
        connection.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.id.in_([r.id for r in rows])))
    connection.execute(update(OUTBOX).where(OUTBOX.c.ticket_id == ticket_id).values(body_text=""))
    raw_ids = list(connection.execute(select(RAW.c.id).where(RAW.c.ticket_id == ticket_id)).scalars())
    if raw_ids:
        connection.execute(update(RAW_BYTES).where(RAW_BYTES.c.raw_id.in_(raw_ids)).values(raw=b""))
    # Marked without touching updated_at: reports and the "untouched for N days" clocks of
    # the other rules read it.
    connection.execute(update(TICKETS).where(TICKETS.c.id == ticket_id)
                       .values(content_removed_at=now()))
    reindex_tickets(session, [ticket_id])  # the search index held the words too
    record(session, actor, "ticket", ticket_id, "content_removed", {
        "messages_emptied": [None, messages], "attachments_deleted": [None, len(rows)],
        "raw_mails_emptied": [None, len(raw_ids)]})
    return files
