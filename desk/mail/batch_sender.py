"""Sending many outbox rows in one job (the `send_survey_mails` job: due surveys are mailed in
batches): claimed in one commit, sent one after another over the kept SMTP connection,
recorded as they go, a commit at most every RECORD_SECONDS (`desk.actions.mail.batches`): a
sender killed in the middle of a batch leaves only what it sent since then to be sent again
(it recorded the whole batch at the end, and a killed worker's next one mailed everything
the dead one had sent once more). A row that needs more than a plain
send (a chat reply that may be held, no mailbox, a temporary failure) is handed back to the
single sender as a `send_mail` job."""

from __future__ import annotations

import logging
import time

from channels.email.send import Delivery, Failure
from channels.message import OutboundMessage as Outgoing
from desk.actions.mail.batches import Outcome, claim_batch, record_batch, still_queued
from desk.actions.tickets.outbox import SEND_ATTEMPTS
from desk.db import Database
from desk.jobs.backoff import backoff
from desk.mail.sender import _SENDING, CLAIM, Unsendable, _prepare
from desk.models import Mailbox, OutboundMessage
from desk.models.base import now
from desk.queries.chat import chat_reply_hold
from desk.queries.mail.outbound import sending_mailbox
from desk.secrets import SecretError

log = logging.getLogger("desk.mail")
# Rows not tried by then go back to the single sender, well before their claim runs out.
SEND_FOR_SECONDS = CLAIM.total_seconds() / 2
# What was sent is recorded at least this often: a fast server takes a hundred mails in two
# commits, a slow one has each mail recorded as it goes.
RECORD_SECONDS = 0.2


def _outcome(outbound_id: int, attempts: int, failure: Failure | None) -> Outcome:
    if failure is None:
        return Outcome(outbound_id, sent=True)
    if failure.temporary and attempts < SEND_ATTEMPTS:
        return Outcome(outbound_id, reason=failure.reason, retry_at=now() + backoff(attempts))
    return Outcome(outbound_id, reason=failure.reason)


def send_batch(db: Database, outbound_ids: list[int]) -> int:
    """Send the rows this job can claim; returns how many the server took."""
    started = time.monotonic()
    outcomes: list[Outcome] = []
    handed_back: list[int] = []
    ready: list[tuple[int, int, Outgoing, Delivery]] = []
    with db.session() as session:
        claimed = claim_batch(session, outbound_ids, CLAIM)
        held = still_queued(session, sorted(set(outbound_ids) - set(claimed)))
        mailboxes: dict[int, Mailbox | None] = {}
        for outbound_id in claimed:
            row = session.get(OutboundMessage, outbound_id)
            if row is None:
                continue
            if chat_reply_hold(session, row) != "mail":
                handed_back.append(outbound_id)
                continue
            if row.mailbox_id is None:  # the ticket's mailbox, else the default one
                mailbox = sending_mailbox(session, row)
            else:
                if row.mailbox_id not in mailboxes:
                    mailboxes[row.mailbox_id] = sending_mailbox(session, row)
                mailbox = mailboxes[row.mailbox_id]
            if mailbox is None:
                handed_back.append(outbound_id)
                continue
            try:
                outgoing, delivery = _prepare(session, db.settings, row, mailbox)
            except Unsendable as exc:
                outcomes.append(_outcome(outbound_id, row.attempts, Failure(str(exc), temporary=False)))
                continue
            except SecretError as exc:
                outcomes.append(_outcome(outbound_id, row.attempts, Failure(str(exc), temporary=True)))
                continue
            ready.append((outbound_id, row.attempts, outgoing, delivery))
        # End the read: on SQLite a transaction that read before others wrote cannot write.
        session.rollback()
        if not ready and not outcomes and not handed_back and not held:
            return 0
        recorded: list[Outcome] = []
        last_record = time.monotonic()
        for outbound_id, attempts, outgoing, delivery in ready:
            if time.monotonic() - started > SEND_FOR_SECONDS:
                handed_back.append(outbound_id)
                continue
            outcomes.append(_outcome(outbound_id, attempts, _SENDING.send(outgoing, delivery)))
            if time.monotonic() - last_record >= RECORD_SECONDS:
                record_batch(session, outcomes)
                recorded += outcomes
                outcomes, last_record = [], time.monotonic()
        record_batch(session, outcomes, handed_back, held)
        outcomes = recorded + outcomes
    sent = sum(1 for o in outcomes if o.sent)
    log.info("batch of %s: %s sent, %s not, %s handed back", len(outbound_ids), sent,
             len(outcomes) - sent, len(handed_back))
    return sent
