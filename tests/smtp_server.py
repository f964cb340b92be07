"""A real SMTP server for tests and benchmarks: aiosmtpd in a thread of its own.

It keeps every message it accepts (`messages`), can require a login, and can be told to
answer with a failure (`fail_with = (451, "...")` for a temporary one, 5xx for a permanent
one), so the desk's sender can be tested against what real servers do."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.mail_servers import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    """`user`/`password` set: AUTH PLAIN/LOGIN required (over plain text, as in tests)."""

    user: str = ""
    password: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    fail_with: tuple[int, str] | None = None
    delay: float = 0.0  # seconds each DATA takes before its answer (a slow server)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    @property
    def url(self) -> str:
        """An `smtp://` URL for a mailbox that sends through this server."""
        login = f"{self.user}:{self.password}@" if self.user else ""
        return f"smtp://{login}{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            code, text = self.fail_with
            return f"{code} {text}"
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.content)))
        return "250 OK"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        self.port = self.port or free_port()
        options: dict[str, Any] = {"enable_SMTPUTF8": True}
        if self.user:
            options.update(authenticator=self._authenticate, auth_required=True,
                           auth_require_tls=False)
        self._controller = Controller(self, hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
