"""An IMAP mailbox: its address (from an `imap[s]://` URL) and a logged-in connection to it."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

DEFAULT_PORTS = {"imap": 143, "imaps": 993}


class MailboxError(Exception):
    """The IMAP server could not be reached or refused what we asked."""


class MailboxLoginError(MailboxError):
    """The server refused the user name or password."""


class FolderNotFoundError(MailboxError):
    """The folder to fetch from does not exist on the server."""


@dataclass(frozen=True)
class ImapAccount:
    """Where a mailbox lives; its `repr` and `url` never show the password."""

    host: str
    port: int
    ssl: bool
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @classmethod
    def from_url(cls, url: str) -> ImapAccount:
        """Parse `imap[s]://user:pass@host[:port][/FOLDER]`; user, password and folder are
        percent-decoded. Raises ValueError saying what is wrong, without echoing the password."""
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError("an IMAP URL starts with imap:// or imaps://")
        if parts.query or parts.fragment:
            raise ValueError("an IMAP URL has no ?query or #fragment")
        if not parts.hostname:
            raise ValueError("the IMAP URL has no host")
        if not parts.username or parts.password is None:
            raise ValueError("the IMAP URL needs a user and a password: imap://user:pass@host")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError("the IMAP URL's port is not a number from 1 to 65535") from None
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(host=parts.hostname, port=port, ssl=parts.scheme == "imaps",
                   user=unquote(parts.username), password=unquote(parts.password), folder=folder)

    @property
    def url(self) -> str:
        """The URL with the password masked, fit for logs and admin pages."""
        scheme = "imaps" if self.ssl else "imap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (f"{scheme}://{quote(self.user, safe='')}:***@{host}:{self.port}/"
                f"{quote(self.folder, safe='/')}")

    def __repr__(self) -> str:
        return f"ImapAccount({self.url!r})"


def connect(account: ImapAccount, timeout: float = 30.0) -> IMAPClient:
    """A logged-in client; the caller logs out. Raises MailboxLoginError or MailboxError."""
    try:
        client = IMAPClient(account.host, port=account.port, ssl=account.ssl, timeout=timeout)
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"cannot connect to {account.host}:{account.port}: {exc}") from exc
    try:
        client.login(account.user, account.password)
    except LoginError as exc:
        _close(client)
        raise MailboxLoginError(f"{account.host} refused the login of {account.user}: {exc}") from exc
    except (OSError, IMAPClientError) as exc:
        _close(client)
        raise MailboxError(f"{account.host} failed during login: {exc}") from exc
    return client


def _close(client: IMAPClient) -> None:
    # The connection is being abandoned after an error the caller is told about.
    with suppress(OSError, IMAPClientError):
        client.shutdown()


def logout(client: IMAPClient) -> None:
    """Say goodbye at the end of a piece of work whose outcome is already decided: a server
    that drops the connection instead changes nothing."""
    with suppress(OSError, IMAPClientError):
        client.logout()
