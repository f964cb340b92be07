"""Web-form requests taken from the spool (desk.form_spool) and made tickets, exactly once.

`ingest_requests` runs stored requests through the one intake (`desk.actions.ingest.ingest`)
and writes each one's ledger row (`FormSubmission`: its ticket and page token) in the same
transaction: a request the ledger holds is never taken again, whoever takes it and whenever
the process taking it dies. `desk.form_intake` is the process that calls it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from channels.message import Identity, InboundAttachment, InboundMessage
from desk.actions.audit import Actor, record
from desk.actions.ingest import Ingested, ingest
from desk.actions.inserts import insert_many
from desk.db import commit
from desk.links import request_token
from desk.models import FormSubmission, SubmissionStatus
from desk.models.base import now
from desk.settings import Settings

FORMAT = 1  # the payload's layout

_TABLE = FormSubmission.__table__  # type: ignore[attr-defined]
_FORGET = text("UPDATE formsubmission SET status = 'discarded', payload = '' WHERE id = :id")


@dataclass(frozen=True)
class Taken:
    """A request the intake has taken: where it went."""

    request_id: int
    status: str  # SubmissionStatus
    token: str  # the request page's token; "" when no ticket holds it


def to_payload(message: InboundMessage) -> str:
    """A web-form message as the JSON stored for it (nothing of a mail: the form has none)."""
    if message.email is not None:
        raise ValueError("only a message without a mail part is stored as a form request")
    return json.dumps({
        "format": FORMAT, "channel": message.channel,
        "sender": [message.sender.kind, message.sender.value, message.sender.name],
        "subject": message.subject, "text": message.text, "html": message.html,
        "quoted": message.quoted, "locale": message.locale,
        "attachments": [[a.filename, a.content_type, base64.b64encode(a.data).decode("ascii"),
                         a.content_id, a.inline] for a in message.attachments],
    }, ensure_ascii=False)


def from_payload(payload: str) -> InboundMessage:
    data: dict[str, Any] = json.loads(payload)
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown form payload format {data.get('format')!r}")
    kind, value, name = data["sender"]
    return InboundMessage(
        channel=data["channel"], sender=Identity(kind, value, name), subject=data["subject"],
        text=data["text"], html=data["html"], quoted=data["quoted"], locale=data["locale"],
        attachments=tuple(InboundAttachment(filename, content_type, base64.b64decode(data64),
                                            content_id, inline)
                          for filename, content_type, data64, content_id, inline in data["attachments"]))


def in_ledger(session: Session, spool: str, request_ids: Sequence[int]) -> dict[int, Taken]:
    """What the ledger already holds of these requests."""
    if not request_ids:
        return {}
    rows = session.exec(select(FormSubmission.request_id, FormSubmission.status,
                               FormSubmission.token).where(
        col(FormSubmission.spool) == spool, col(FormSubmission.request_id).in_(request_ids))).all()
    return {request_id: Taken(request_id, status, token) for request_id, status, token in rows}


def ingest_requests(session: Session, settings: Settings, spool: str,
                    requests: Sequence[tuple[int, str]]) -> list[Taken]:
    """Open tickets for stored requests (id, payload) and write their ledger rows, in the
    caller's transaction (the ledger checked first: nothing is taken twice)."""
    held = in_ledger(session, spool, [request_id for request_id, _payload in requests])
    todo = [(request_id, payload) for request_id, payload in requests if request_id not in held]
    results = ingest(session, settings, [from_payload(payload) for _id, payload in todo])
    taken = []
    for (request_id, _payload), result in zip(todo, results, strict=True):
        taken.append((Taken(request_id, SubmissionStatus.done, _page_token(settings, result)),
                      result.ticket_id))
    at = now()
    insert_many(session, _TABLE, [
        {"spool": spool, "request_id": t.request_id, "status": t.status, "token": t.token,
         "ticket_id": ticket_id, "payload": "", "error": "", "created_at": at}
        for t, ticket_id in taken])
    return [*held.values(), *(t for t, _ticket_id in taken)]


def _page_token(settings: Settings, result: Ingested) -> str:
    """The token of the request's page: the new ticket's, or, when the request was added to
    a ticket the customer named ("[#N]" in the subject), that ticket's."""
    if not result.token and result.ticket_id is not None and result.customer_id is not None:
        return request_token(str(settings.secret_key), result.ticket_id, result.customer_id)
    return result.token


def record_failure(session: Session, spool: str, request_id: int, payload: str,
                   error: str) -> Taken:
    """The intake failed on this request alone: it is kept in the ledger, failed, with what
    the customer sent and why (an administrator can act on it; the spool forgets it)."""
    insert_many(session, _TABLE, [
        {"spool": spool, "request_id": request_id, "status": SubmissionStatus.failed,
         "token": "", "ticket_id": None, "payload": payload, "error": error[:4000],
         "created_at": now()}])
    return Taken(request_id, SubmissionStatus.failed, "")


class NotFailed(LookupError):
    """No failed web-form request by that id (never, or retried or discarded meanwhile)."""


def _failed(session: Session, submission_id: int) -> FormSubmission:
    row = session.get(FormSubmission, submission_id) if 0 < submission_id < 2**31 else None
    if row is None or row.status != SubmissionStatus.failed:
        raise NotFailed(f"no failed web-form request {submission_id}")
    return row


def retry_failed(session: Session, settings: Settings, actor: Actor,
                 submission_id: int) -> FormSubmission:
    """Put a failed request through the intake again (an admin, once the cause is fixed);
    commits. It is a ticket now, or failed again with the new error: the row says which."""
    row = _failed(session, submission_id)
    payload = row.payload
    try:
        with session.begin_nested():
            (result,) = ingest(session, settings, [from_payload(payload)])
            token = _page_token(settings, result)
            record(session, actor, "form_request", submission_id, "retried",
                   {"status": [row.status, SubmissionStatus.done], "ticket_id": [None, result.ticket_id]})
            row.status, row.ticket_id, row.token, row.payload, row.error = (
                SubmissionStatus.done, result.ticket_id, token, "", "")
            session.add(row)
            session.flush()
    except (SQLAlchemyError, ValueError, KeyError, TypeError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:4000]
        session.info.pop("new_jobs", None)  # their rows went with the savepoint
        session.info.pop("live", None)
        row = _failed(session, submission_id)
        record(session, actor, "form_request", submission_id, "retried",
               {"status": [row.status, row.status], "error": [row.error, error]})
        row.error = error
        session.add(row)
    commit(session)
    return row


def discard_failed(session: Session, actor: Actor, submission_id: int) -> FormSubmission:
    """Throw a failed request away for good: what the customer sent is deleted; commits."""
    row = _failed(session, submission_id)
    record(session, actor, "form_request", submission_id, "discarded",
           {"status": [row.status, SubmissionStatus.discarded]})
    row.status, row.payload = SubmissionStatus.discarded, ""
    session.add(row)
    commit(session)
    return row


def forget_failed_from(session: Session, addresses: Sequence[str]) -> int:
    """Discard the failed requests sent from these addresses (a customer being anonymised):
    what they sent is deleted; how many. Failed requests are few: read and matched here."""
    wanted = {a.strip().lower() for a in addresses if a}
    if not wanted:
        return 0
    ids = []
    for row in session.exec(select(FormSubmission).where(
            col(FormSubmission.status) == SubmissionStatus.failed)):
        try:
            sender = str(json.loads(row.payload)["sender"][1]).strip().lower()
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        if sender in wanted and row.id is not None:
            ids.append(row.id)
    if ids:
        session.connection().execute(_FORGET, [{"id": i} for i in ids])
    return len(ids)
