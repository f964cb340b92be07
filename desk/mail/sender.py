"""Sending the outbox: one queued outbound mail handed to the email channel, and its
outcome recorded on the row.

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

MIME and SMTP are the channel's (`channels.email.send`); the row's changes are actions
(`desk.actions.mail.sending`); this module reads, calls the channel, and records.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import threading
from datetime import timedelta

from sqlmodel import Session

from channels.email.send import TIMEOUT, Connections, Delivery, Failure
from channels.message import InboundAttachment
from channels.message import OutboundMessage as Outgoing
from desk.actions.chat.conversations import read_in_chat
from desk.actions.chat.departures import reply_held
from desk.actions.mail.mailboxes import smtp_account
from desk.actions.mail.sending import (
    claim_outbound,
    defer_send,
    mark_failed,
    mark_sent,
    wait_for_mailbox,
)
from desk.actions.tickets.outbox import SEND_ATTEMPTS
from desk.attachment_store import read_attachment
from desk.db import Database
from desk.jobs.backoff import backoff
from desk.models import Mailbox, OutboundKind, OutboundMessage, OutboundStatus
from desk.models.base import now
from desk.queries.chat import chat_reply_hold
from desk.queries.mail.outbound import recipient_name, reply_attachments, sending_mailbox
from desk.secrets import SecretError
from desk.settings import Settings

log = logging.getLogger("desk.mail")
# A claimed row is not due again before a send can have timed out.
CLAIM = timedelta(seconds=TIMEOUT * 4)
NO_MAILBOX = "no mailbox to send from: add one with SMTP"


class SendDeferred(Exception):
    """A temporary failure, already recorded on the row; the job runner retries."""


class Unsendable(Exception):
    """The row cannot leave as it is (its mailbox cannot send); trying again won't help."""


def send_outbound(db: Database, outbound_id: int) -> None:
    """Send one outbox row if it is queued and due; records the outcome (see the module)."""
    with db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        if row is None or row.status != OutboundStatus.queued:
            return
        # A reply in a live chat is mailed only if the visitor leaves without reading it.
        hold = chat_reply_hold(session, row)
        if hold == "read":
            read_in_chat(session, row)
            return
        if hold == "wait":
            # Not a retry: the visitor may stay for hours. Reading it marks it read; leaving
            # (or going quiet: the sweep) mails it in the transcript.
            reply_held(session)
            return
        if hold == "no_address":
            mark_failed(session, row, "the visitor left the chat without reading it and "
                        "gave no address to mail it to")
            return
        mailbox = sending_mailbox(session, row)
        if mailbox is None:
            wait_for_mailbox(session, row, NO_MAILBOX)
            return
        if not claim_outbound(session, outbound_id, CLAIM):
            # Being sent by another job, or waiting for its next attempt: this job comes
            # back later and finds it sent, failed or due.
            raise SendDeferred("not due yet")
        try:
            outgoing, delivery = _prepare(session, db.settings, row, mailbox)
        except Unsendable as exc:
            _record(db, outbound_id, Failure(str(exc), temporary=False))
            return
        except SecretError as exc:
            if _record(db, outbound_id, Failure(str(exc), temporary=True)):
                raise SendDeferred(str(exc)) from None
            return
    failure = _SENDING.send(outgoing, delivery)
    if _record(db, outbound_id, failure):
        assert failure is not None
        raise SendDeferred(failure.reason)


def _prepare(session: Session, settings: Settings, row: OutboundMessage,
             mailbox: Mailbox) -> tuple[Outgoing, Delivery]:
    """What the channel needs, read before the connection opens. Raises Unsendable, and
    SecretError when the mailbox's password cannot be decrypted."""
    if not mailbox.enabled:
        raise Unsendable(f"this mailbox cannot send: {mailbox.name} is disabled")
    account = smtp_account(settings, mailbox)
    if account is None:
        raise Unsendable("this mailbox cannot send: no SMTP server set")
    outgoing = Outgoing(
        to_address=row.to_address, from_address=mailbox.address, subject=row.subject,
        text=row.body_text, message_id=row.rfc_message_id, in_reply_to=row.in_reply_to,
        references=tuple(row.references.split()),
        attachments=_attachments(session, settings, row.message_id),
    )
    delivery = Delivery(account, row.ticket_id, display_name=mailbox.display_name,
                        to_name=recipient_name(session, row),
                        automatic=row.kind != OutboundKind.reply)
    return outgoing, delivery


def _attachments(session: Session, settings: Settings,
                 message_id: int | None) -> tuple[InboundAttachment, ...]:
    """The files of the reply, read from the attachment store under their real names."""
    return tuple(InboundAttachment(a.filename, a.content_type,
                                   read_attachment(session, settings.attachments_dir, a))
                 for a in reply_attachments(session, message_id))


def _record(db: Database, outbound_id: int, failure: Failure | None) -> bool:
    """Write the outcome; True when the mail waits for another attempt."""
    with db.session() as session:
        row = session.get(OutboundMessage, outbound_id)
        assert row is not None
        if failure is None:
            mark_sent(session, row)
            log.info("outbound=%s sent to %s", outbound_id, row.to_address)
            return False
        if failure.temporary and row.attempts < SEND_ATTEMPTS:
            defer_send(session, row, failure.reason, now() + backoff(row.attempts))
            log.warning("outbound=%s attempt %s failed: %s", outbound_id, row.attempts, failure.reason)
            return True
        mark_failed(session, row, failure.reason)
        log.warning("outbound=%s failed: %s", outbound_id, failure.reason)
        return False


class _Sending:
    """One event loop in a thread of its own for every SMTP conversation of this process,
    with its connections kept open between mails (`channels.email.send.Connections`): job
    code in any thread (arq's, the in-process runner's) hands it a mail and waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: Connections | None = None

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Failure | None:
        loop, connections = self._started()
        future = asyncio.run_coroutine_threadsafe(
            connections.send(outgoing, delivery, date=now(), timeout=TIMEOUT), loop)
        return future.result(timeout=TIMEOUT * 3)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, Connections]:
        with self._lock:
            if self._loop is None or self._connections is None or not self._loop.is_running():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    try:
                        loop.run_forever()
                    finally:
                        loop.close()

                threading.Thread(target=run, name="desk-smtp", daemon=True).start()
                ready.wait()
                self._loop, self._connections = loop, Connections()
                atexit.register(self.close)
            return self._loop, self._connections

    def close(self) -> None:
        """Close the kept connections and stop the loop (at exit; tests call it too)."""
        with self._lock:
            loop, connections = self._loop, self._connections
            self._loop = self._connections = None
        if loop is None or connections is None or not loop.is_running():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(connections.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)


_SENDING = _Sending()
close_connections = _SENDING.close
