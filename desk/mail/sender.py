"""Sending the outbox: one queued outbound mail composed and handed to its SMTP server.

The `send_mail` job calls `send_outbound`; what becomes of the row:
- sent: status "sent" and `sent_at`.
- temporary failure (a 4xx answer, no connection, a timeout, the login refused, a
  password that cannot be decrypted): `attempts` + 1, `last_error`, `next_attempt_at`,
  and `SendDeferred` is raised so the job runner tries again with its backoff; after
  `SEND_ATTEMPTS` tries the row is "failed" with the last reason. A refused login is
  temporary because an admin can fix the mailbox while the mail waits.
- permanent failure (a 5xx answer to the sender, a recipient or the data): "failed"
  with the server's reason at once; an agent can resend it from the ticket.
- the mailbox it should leave from has no SMTP server, or is disabled: "failed"
  ("this mailbox cannot send ..."): it is the ticket's mailbox and no other would do.
- no mailbox at all (the row names none, its ticket none, and no mailbox can send):
  the row stays "queued" with the reason in `last_error` and no attempt counted: a desk
  that only has the web form keeps its outbox until someone adds a mailbox, and
  `desk.actions.tickets.outbox.queue_waiting` then sends it.

It leaves from the row's mailbox, else its ticket's, else the default mailbox: the
enabled one with an SMTP server and the lowest id.

Never twice: a row is claimed with one UPDATE (status queued, due, `next_attempt_at`
moved past the send timeout) before it is sent, so a second job for the same row (a
sweep, `queue_waiting`) finds nothing to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
from sqlalchemy import update
from sqlmodel import Session, col, select

from channels.email.compose import Sender, compose
from channels.email.smtp_account import SmtpAccount
from channels.message import InboundAttachment
from channels.message import OutboundMessage as Outgoing
from desk.actions.attachments import attachment_path
from desk.actions.mail.mailboxes import smtp_account
from desk.actions.tickets.outbox import SEND_ATTEMPTS
from desk.db import Database
from desk.models import Attachment, Customer, Mailbox, OutboundKind, OutboundMessage, OutboundStatus, Ticket
from desk.models.base import now
from desk.secrets import SecretError
from desk.settings import Settings

log = logging.getLogger("desk.mail")
T = TypeVar("T")
TIMEOUT = 30.0
# A claimed row is not due again before a send can have timed out.
CLAIM = timedelta(seconds=TIMEOUT * 4)
NO_MAILBOX = "no mailbox to send from: add one with SMTP"
# Answers that mean "who you are", not "what you send": fixable by an admin, so retried.
LOGIN_CODES = frozenset({530, 534, 535, 538})


class SendDeferred(Exception):
    """A temporary failure, already recorded on the row; the job runner retries."""


class Unsendable(Exception):
    """The row cannot leave as it is (its mailbox cannot send); trying again won't help."""


@dataclass(frozen=True)
class Failure:
    reason: str
    temporary: bool


@dataclass(frozen=True)
class Prepared:
    """What sending needs, read from the database before the connection opens."""

    account: SmtpAccount
    sender: str
    recipient: str
    message: EmailMessage


def send_outbound(db: Database, outbound_id: int) -> None:
    """Send one outbox row if it is queued and due; records the outcome (see the module)."""
    settings = db.settings
    with db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        if row is None or row.status != OutboundStatus.queued:
            return
        ticket = session.get(Ticket, row.ticket_id)
        mailbox = _mailbox(session, row, ticket)
        if mailbox is None:
            row.last_error = NO_MAILBOX
            session.add(row)
            session.commit()
            return
        if not _claim(session, outbound_id):
            # Being sent by another job, or waiting for its next attempt: this job comes
            # back later and finds it sent, failed or due.
            raise SendDeferred("not due yet")
        try:
            prepared = _prepare(session, settings, row, mailbox)
        except Unsendable as exc:
            _record(db, outbound_id, Failure(str(exc), temporary=False))
            return
        except SecretError as exc:
            if _record(db, outbound_id, Failure(str(exc), temporary=True)):
                raise SendDeferred(str(exc)) from None
            return
    failure = _run(_deliver(prepared))
    if _record(db, outbound_id, failure):
        assert failure is not None
        raise SendDeferred(failure.reason)


def _mailbox(session: Session, row: OutboundMessage, ticket: Ticket | None) -> Mailbox | None:
    for mailbox_id in (row.mailbox_id, ticket.mailbox_id if ticket else None):
        if mailbox_id is not None:
            return session.get(Mailbox, mailbox_id)
    query = (select(Mailbox).where(Mailbox.enabled == True, Mailbox.smtp_host != "")  # noqa: E712
             .order_by(col(Mailbox.id)).limit(1))
    return session.exec(query).first()


def _claim(session: Session, outbound_id: int) -> bool:
    stamp = now()
    result = session.execute(
        update(OutboundMessage)
        .where(col(OutboundMessage.id) == outbound_id,
               col(OutboundMessage.status) == OutboundStatus.queued,
               col(OutboundMessage.next_attempt_at) <= stamp)
        .values(attempts=col(OutboundMessage.attempts) + 1, next_attempt_at=stamp + CLAIM)
    )
    session.commit()
    claimed: bool = result.rowcount == 1  # type: ignore[attr-defined]
    return claimed


def _prepare(session: Session, settings: Settings, row: OutboundMessage,
             mailbox: Mailbox) -> Prepared:
    if not mailbox.enabled:
        raise Unsendable(f"this mailbox cannot send: {mailbox.name} is disabled")
    account = smtp_account(settings, mailbox)
    if account is None:
        raise Unsendable("this mailbox cannot send: no SMTP server set")
    customer = session.exec(select(Customer).join(
        Ticket, col(Ticket.customer_id) == col(Customer.id)).where(Ticket.id == row.ticket_id)).first()
    to_name = customer.name if customer and customer.email == row.to_address else ""
    outgoing = Outgoing(
        to_address=row.to_address, from_address=mailbox.address, subject=row.subject,
        text=row.body_text, message_id=row.rfc_message_id, in_reply_to=row.in_reply_to,
        references=tuple(row.references.split()),
        attachments=_attachments(session, settings, row.message_id),
    )
    message = compose(outgoing, row.ticket_id, Sender(mailbox.address, mailbox.display_name),
                      date=now(), to_name=to_name, automatic=row.kind != OutboundKind.reply)
    return Prepared(account, mailbox.address, row.to_address, message)


def _attachments(session: Session, settings: Settings,
                 message_id: int | None) -> tuple[InboundAttachment, ...]:
    """The files of the reply, read from the attachment store under their real names."""
    if message_id is None:
        return ()
    rows = session.exec(select(Attachment).where(Attachment.message_id == message_id)
                        .order_by(col(Attachment.id)))
    return tuple(InboundAttachment(a.filename, a.content_type,
                                   attachment_path(settings.attachments_dir, a).read_bytes())
                 for a in rows)


async def _deliver(prepared: Prepared) -> Failure | None:
    """One SMTP conversation; None when the server took the mail."""
    account = prepared.account
    try:
        await aiosmtplib.send(
            prepared.message, sender=prepared.sender, recipients=[prepared.recipient],
            hostname=account.host, port=account.port, use_tls=account.ssl,
            start_tls=False if account.ssl else None,  # None: STARTTLS when offered
            username=account.user or None, password=account.password or None,
            timeout=TIMEOUT,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        return failure_of(exc, account)
    return None


def failure_of(exc: BaseException, account: SmtpAccount) -> Failure:
    """What an error from aiosmtplib means for the mail, in words an agent can act on."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        said = f"{exc.code} {exc.message}".strip()
        if exc.code in LOGIN_CODES:
            return Failure(f"the SMTP server {account.host} refused the login of "
                           f"{account.user or '(no user)'}: {said}", temporary=True)
        return Failure(f"the SMTP server {account.host} answered {said}", temporary=exc.code < 500)
    if isinstance(exc, TimeoutError):
        return Failure(f"no answer from the SMTP server {account.host}:{account.port} "
                       f"within {TIMEOUT:.0f} s", temporary=True)
    cause = exc.__cause__ or exc
    return Failure(f"cannot reach the SMTP server {account.host}:{account.port}: {cause}",
                   temporary=True)


def _record(db: Database, outbound_id: int, failure: Failure | None) -> bool:
    """Write the outcome; True when the mail waits for another attempt."""
    retry = False
    with db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        stamp = now()
        if failure is None:
            row.status, row.sent_at, row.last_error = OutboundStatus.sent, stamp, ""
            log.info("outbound=%s sent to %s", outbound_id, row.to_address)
        elif failure.temporary and row.attempts < SEND_ATTEMPTS:
            row.last_error = failure.reason
            row.next_attempt_at = stamp + _backoff(row.attempts)
            retry = True
            log.warning("outbound=%s attempt %s failed: %s", outbound_id, row.attempts, failure.reason)
        else:
            row.status, row.last_error = OutboundStatus.failed, failure.reason
            log.warning("outbound=%s failed: %s", outbound_id, failure.reason)
        session.add(row)
        session.commit()
    return retry


def _backoff(attempts: int) -> timedelta:
    # The runner imports the job functions, which import this module: import it late.
    from desk.jobs.runner import backoff
    return backoff(attempts)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous job code: directly in a worker thread
    (arq), or in a thread of its own when called inside a running loop (the in-process runner)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
