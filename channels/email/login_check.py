"""Log in to a mailbox's IMAP and SMTP servers and say, in plain words, what failed.

Nothing is fetched and nothing is sent. Messages are gettext msgids with `%(name)s`
parameters (translated where they are shown); the server's own words go in `detail`,
with the password scrubbed should a server ever echo it."""

from __future__ import annotations

import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass, field

import aiosmtplib
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from channels.email.imap import FolderNotFoundError, ImapAccount, MailboxLoginError, connect
from channels.email.imap import MailboxError as ImapError
from channels.email.smtp_account import SmtpAccount

TIMEOUT = 10.0


def _(message: str) -> str:
    # Marks msgids for extraction; channels import nothing from desk.
    return message


@dataclass(frozen=True)
class CheckResult:
    server: str  # "IMAP" or "SMTP"
    ok: bool
    message: str  # msgid, formatted with `params` after translation
    params: dict[str, str] = field(default_factory=dict)
    detail: str = ""


def _scrub(text: str, password: str) -> str:
    return text.replace(password, "***") if password else text


def _network_failure(server: str, exc: BaseException, host: str, port: int,
                     password: str) -> CheckResult:
    """Name the usual network failures a person can act on."""
    where = {"host": host, "port": str(port)}
    detail = _scrub(str(exc), password)
    if isinstance(exc, ConnectionRefusedError):
        return CheckResult(server, False, _("Connection refused by %(host)s:%(port)s."), where, detail)
    if isinstance(exc, TimeoutError | socket.timeout | aiosmtplib.SMTPTimeoutError):
        return CheckResult(server, False, _("No answer from %(host)s:%(port)s (timed out)."),
                           where, detail)
    if isinstance(exc, socket.gaierror):
        return CheckResult(server, False, _("The host %(host)s was not found."), where, detail)
    if isinstance(exc, ssl.SSLError):
        return CheckResult(server, False, _("The TLS handshake with %(host)s:%(port)s failed."),
                           where, detail)
    return CheckResult(server, False, _("Could not talk to %(host)s:%(port)s."), where, detail)


def check_imap(account: ImapAccount, timeout: float = TIMEOUT) -> CheckResult:
    """Log in and check the folder exists (blocking: run it in a thread)."""
    try:
        client = connect(account, timeout=timeout)
    except MailboxLoginError as exc:
        return CheckResult("IMAP", False, _("The IMAP server refused the login of %(user)s."),
                           {"user": account.user}, _scrub(str(exc.__cause__ or exc), account.password))
    except ImapError as exc:
        return _network_failure("IMAP", exc.__cause__ or exc, account.host, account.port,
                                account.password)
    try:
        if not client.folder_exists(account.folder):
            raise FolderNotFoundError(account.folder)
    except FolderNotFoundError:
        return CheckResult("IMAP", False, _("The folder %(folder)s does not exist."),
                           {"folder": account.folder})
    except (OSError, IMAPClientError) as exc:
        return _network_failure("IMAP", exc, account.host, account.port, account.password)
    finally:
        _logout(client)
    return CheckResult("IMAP", True, _("Logged in as %(user)s; the folder %(folder)s exists."),
                       {"user": account.user, "folder": account.folder})


def _logout(client: IMAPClient) -> None:
    # The check is over either way; a failed goodbye changes nothing it found.
    with suppress(OSError, IMAPClientError):
        client.logout()


async def check_smtp(account: SmtpAccount, timeout: float = TIMEOUT) -> CheckResult:
    """Connect (implicit TLS, or STARTTLS when offered) and log in; no mail is sent."""
    smtp = aiosmtplib.SMTP(hostname=account.host, port=account.port, use_tls=account.ssl,
                           start_tls=account.start_tls, timeout=timeout)
    try:
        await smtp.connect()
    except (OSError, aiosmtplib.SMTPException) as exc:
        cause = exc.__cause__ if isinstance(exc, aiosmtplib.SMTPConnectError) and exc.__cause__ else exc
        return _network_failure("SMTP", cause, account.host, account.port, account.password)
    try:
        if account.user:
            await smtp.login(account.user, account.password)
    except (OSError, aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected) as exc:
        return _network_failure("SMTP", exc, account.host, account.port, account.password)
    except aiosmtplib.SMTPAuthenticationError as exc:
        return CheckResult("SMTP", False, _("The SMTP server refused the login of %(user)s."),
                           {"user": account.user}, _scrub(exc.message, account.password))
    except aiosmtplib.SMTPException as exc:
        return CheckResult("SMTP", False, _("The SMTP server refused to log in: %(reason)s"),
                           {"reason": _scrub(str(exc), account.password)})
    finally:
        with suppress(OSError, aiosmtplib.SMTPException):
            await smtp.quit()
    if account.user:
        return CheckResult("SMTP", True, _("Logged in as %(user)s."), {"user": account.user})
    return CheckResult("SMTP", True, _("Connected; the server takes mail without a login."))
