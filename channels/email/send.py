"""Handing one outbound mail to its SMTP server, and what the server's answer means.

The message is composed here (`channels.email.compose`) from plain data and sent with
aiosmtplib: implicit TLS for `smtps://` accounts, STARTTLS whenever a plain-text
server offers it, a login when the account has a user. What goes wrong comes back as
a `Failure` in words an agent can act on, never as an aiosmtplib exception:
- a 4xx answer, no connection, a timeout: temporary (the same mail may go later);
- a refused login (530, 534, 535, 538): temporary too, because it is about who sends,
  not what is sent, and an admin can fix the account while the mail waits;
- any other 5xx answer (to the sender, a recipient or the data): permanent.
The password never appears in a reason."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib

from channels.email.compose import Sender, compose
from channels.email.smtp_account import SmtpAccount
from channels.message import OutboundMessage

# Seconds for the whole conversation with the server (DESK_SMTP_TIMEOUT, default 30). A mail a
# sender has claimed is not due again before four times this (desk.mail.sender.CLAIM), so a
# sender killed mid-send holds its mails that long.
TIMEOUT = float(os.environ.get("DESK_SMTP_TIMEOUT") or 30.0)
# Answers that mean "who you are", not "what you send": fixable by an admin, so retried.
LOGIN_CODES = frozenset({530, 534, 535, 538})


@dataclass(frozen=True)
class Failure:
    """Why the server did not take the mail; `temporary`: trying again later may work."""

    reason: str
    temporary: bool


@dataclass(frozen=True)
class Delivery:
    """How one mail leaves, beyond the message: the account it is sent through, the
    ticket its subject names, the name shown beside the From address, the name of the
    person it goes to, and whether a machine wrote it (an acknowledgement, a notice)."""

    account: SmtpAccount
    ticket_id: int
    display_name: str = ""
    to_name: str = ""
    automatic: bool = False


# Control characters (but the tab) in a header: a NUL would go out raw, a line break forges
# headers. Such a mail is refused for good instead of retried.
_UNSENDABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _written(outbound: OutboundMessage, delivery: Delivery, date: datetime) -> EmailMessage | Failure:
    """The mail as it will leave, or why it never can."""
    bad = [field for field in ("to_address", "from_address", "subject")
           if _UNSENDABLE.search(getattr(outbound, field))]
    if bad:
        return Failure(f"this mail cannot be written as it is: a control character in its "
                       f"{bad[0].replace('_', ' ')}", temporary=False)
    try:
        message = compose(outbound, delivery.ticket_id,
                          Sender(outbound.from_address, delivery.display_name), date=date,
                          to_name=delivery.to_name, automatic=delivery.automatic)
        # What would leave with a line break or NUL in a header is refused here, once: no
        # server will ever take it, so trying again only hides the problem.
        message.as_bytes()
    except ValueError as exc:
        return Failure(f"this mail cannot be written as it is: {exc}", temporary=False)
    return message


async def send(outbound: OutboundMessage, delivery: Delivery, *, date: datetime,
               timeout: float = TIMEOUT) -> Failure | None:
    """Compose the mail and send it from `outbound.from_address` to `outbound.to_address`
    in one SMTP conversation; None when the server took it."""
    message = _written(outbound, delivery, date)
    if isinstance(message, Failure):
        return message
    account = delivery.account
    try:
        await aiosmtplib.send(
            message, sender=outbound.from_address, recipients=[outbound.to_address],
            hostname=account.host, port=account.port, use_tls=account.ssl,
            start_tls=account.start_tls,  # None: STARTTLS when offered
            username=account.user or None, password=account.password or None,
            timeout=timeout,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        return failure_of(exc, account, timeout=timeout)
    return None


def failure_of(exc: BaseException, account: SmtpAccount, *, timeout: float = TIMEOUT) -> Failure:
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
                       f"within {timeout:g} s", temporary=True)
    cause = exc.__cause__ or exc
    return Failure(f"cannot reach the SMTP server {account.host}:{account.port}: {cause}",
                   temporary=True)


class Connections:
    """SMTP connections kept open between mails, a few per account: a desk sending a burst
    (surveys, notices) pays the connection, STARTTLS and login once, not per mail. A kept
    connection idle longer than `idle_seconds`, or that does not answer NOOP, is closed and
    a fresh one opened; a mail whose sending fails is never retried here (it may have been
    taken), its connection is dropped and the failure reported as `send` reports it.
    Use from one event loop."""

    def __init__(self, idle_seconds: float = 30.0, per_account: int = 4) -> None:
        self.idle_seconds = idle_seconds
        self.per_account = per_account
        self._idle: dict[tuple[object, ...], list[tuple[aiosmtplib.SMTP, float]]] = {}

    async def send(self, outbound: OutboundMessage, delivery: Delivery, *, date: datetime,
                   timeout: float = TIMEOUT) -> Failure | None:
        message = _written(outbound, delivery, date)
        if isinstance(message, Failure):
            return message
        account = delivery.account
        key = (account.host, account.port, account.ssl, account.user, account.password)
        try:
            client = await self._take(key, account, timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return failure_of(exc, account, timeout=timeout)
        try:
            await client.send_message(message, sender=outbound.from_address,
                                      recipients=[outbound.to_address], timeout=timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await _close(client)
            return failure_of(exc, account, timeout=timeout)
        idle = self._idle.setdefault(key, [])
        if len(idle) < self.per_account:
            idle.append((client, time.monotonic()))
        else:
            await _close(client)
        return None

    async def _take(self, key: tuple[object, ...], account: SmtpAccount,
                    timeout: float) -> aiosmtplib.SMTP:
        idle = self._idle.get(key, [])
        while idle:
            client, since = idle.pop()
            if time.monotonic() - since < self.idle_seconds and client.is_connected:
                try:
                    await client.noop(timeout=timeout)
                    return client
                except (aiosmtplib.SMTPException, OSError):
                    pass
            await _close(client)
        client = aiosmtplib.SMTP(
            hostname=account.host, port=account.port, use_tls=account.ssl,
            start_tls=account.start_tls,  # None: STARTTLS when offered
            username=account.user or None, password=account.password or None, timeout=timeout)
        await client.connect()
        return client

    async def close(self) -> None:
        """Say goodbye on every kept connection."""
        for idle in self._idle.values():
            for client, _since in idle:
                await _close(client)
        self._idle.clear()


async def _close(client: aiosmtplib.SMTP) -> None:
    try:
        if client.is_connected:
            await client.quit(timeout=5)
    except (aiosmtplib.SMTPException, OSError):
        client.close()
