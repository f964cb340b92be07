"""Desk's own mail to staff about their account (a password reset link): written here and
sent at once from the default mailbox, never through the outbox, so the link is never
stored. A failure raises AccountMailFailed and the job runner tries again with its backoff."""

from __future__ import annotations

import asyncio
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from channels.email.send import TIMEOUT, failure_of
from desk.actions.mail.mailboxes import smtp_account
from desk.db import Database
from desk.models.base import now
from desk.queries.account_security import default_sending_mailbox


class AccountMailFailed(Exception):
    """The mail did not leave; the message says why (the job shows it on /admin/)."""


def send_account_mail(db: Database, to_address: str, subject: str, text: str) -> None:
    """Send one plain-text mail to ``to_address`` from the default mailbox."""
    with db.session() as session:
        mailbox = default_sending_mailbox(session)
        account = smtp_account(db.settings, mailbox) if mailbox is not None else None
    if mailbox is None or account is None:
        raise AccountMailFailed("no mailbox to send from: add one with SMTP")
    message = EmailMessage()
    message["From"] = Address(display_name=mailbox.display_name, addr_spec=mailbox.address)
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=mailbox.address.rpartition("@")[2] or "desk.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    try:
        asyncio.run(aiosmtplib.send(
            message, sender=mailbox.address, recipients=[to_address], hostname=account.host,
            port=account.port, use_tls=account.ssl, start_tls=False if account.ssl else None,
            username=account.user or None, password=account.password or None, timeout=TIMEOUT))
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise AccountMailFailed(failure_of(exc, account).reason) from exc
