"""An SMTP account (from an `smtp[s]://` or `smtp+starttls://` URL) that the desk sends a
mailbox's mail through."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 587, "smtps": 465, "smtp+starttls": 587}


@dataclass(frozen=True)
class SmtpAccount:
    """Where a mailbox's mail leaves from; its `repr` and `url` never show the password.

    `ssl` True is implicit TLS (`smtps://`, port 465 by default); False connects in plain
    text (`smtp://`, port 587 by default) and upgrades with STARTTLS when the server offers
    it; `require_starttls` (`smtp+starttls://`) sends nothing unless the upgrade succeeds. An
    empty user means the server takes mail without a login."""

    host: str
    port: int
    ssl: bool
    user: str = ""
    password: str = field(default="", repr=False)
    require_starttls: bool = False

    @property
    def start_tls(self) -> bool | None:
        """aiosmtplib's ``start_tls``: False over implicit TLS, True when required, None
        (upgrade when offered) otherwise."""
        return False if self.ssl else (True if self.require_starttls else None)

    @classmethod
    def from_url(cls, url: str) -> SmtpAccount:
        """Parse `smtp[s]://[user:pass@]host[:port]`; user and password are percent-decoded.
        Raises ValueError saying what is wrong, without echoing the password."""
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError("an SMTP URL starts with smtp://, smtps:// or smtp+starttls://")
        if parts.path.strip("/") or parts.query or parts.fragment:
            raise ValueError("an SMTP URL has no /path, ?query or #fragment")
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        if parts.username and parts.password is None:
            raise ValueError("the SMTP URL has a user but no password: smtp://user:pass@host")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError("the SMTP URL's port is not a number from 1 to 65535") from None
        return cls(host=parts.hostname, port=port, ssl=parts.scheme == "smtps",
                   user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                   require_starttls=parts.scheme == "smtp+starttls")

    @property
    def url(self) -> str:
        """The URL with the password masked, fit for logs and admin pages."""
        scheme = "smtps" if self.ssl else ("smtp+starttls" if self.require_starttls else "smtp")
        host = f"[{self.host}]" if ":" in self.host else self.host
        login = f"{quote(self.user, safe='')}:***@" if self.user else ""
        return f"{scheme}://{login}{host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpAccount({self.url!r})"
