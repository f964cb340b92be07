"""Logging in to real IMAP (Dovecot) and SMTP (aiosmtpd) servers: what failed, in plain words."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

from channels.email.imap import ImapAccount
from channels.email.login_check import check_imap, check_smtp
from channels.email.smtp_account import SmtpAccount
from tests.mail_servers import ImapLogin, free_port
from tests.smtp_server import SmtpServer


def test_imap_login_to_an_existing_folder_passes(dovecot: ImapLogin) -> None:
    result = check_imap(ImapAccount.from_url(dovecot.url))
    assert result.ok, result
    assert result.params == {"user": dovecot.user, "folder": "INBOX"}


def test_imap_wrong_password_is_a_refused_login_without_the_password(dovecot: ImapLogin) -> None:
    account = replace(ImapAccount.from_url(dovecot.url), password="wrong-Zq9x")
    result = check_imap(account)
    assert not result.ok
    assert result.message == "The IMAP server refused the login of %(user)s."
    assert "wrong-Zq9x" not in repr(result)


def test_imap_missing_folder_is_named(dovecot: ImapLogin) -> None:
    result = check_imap(ImapAccount.from_url(dovecot.url.replace("/INBOX", "/Nowhere")))
    assert not result.ok
    assert result.message == "The folder %(folder)s does not exist."
    assert result.params == {"folder": "Nowhere"}


def test_imap_closed_port_is_a_refused_connection() -> None:
    result = check_imap(ImapAccount.from_url(f"imap://u:p@127.0.0.1:{free_port()}/INBOX"), timeout=2)
    assert not result.ok
    assert result.message.startswith("Connection refused")


def test_smtp_login_passes(smtp_server: SmtpServer) -> None:
    result = asyncio.run(check_smtp(SmtpAccount.from_url(smtp_server.url)))
    assert result.ok, result
    assert smtp_server.messages == []  # a check never sends mail


def test_smtp_wrong_password_is_a_refused_login(smtp_server: SmtpServer) -> None:
    account = replace(SmtpAccount.from_url(smtp_server.url), password="wrong-Zq9x")
    result = asyncio.run(check_smtp(account))
    assert not result.ok
    assert result.message == "The SMTP server refused the login of %(user)s."
    assert "wrong-Zq9x" not in repr(result)


def test_smtp_closed_port_is_a_refused_connection() -> None:
    result = asyncio.run(check_smtp(SmtpAccount.from_url(f"smtp://u:p@127.0.0.1:{free_port()}"),
                                    timeout=2))
    assert not result.ok
    assert result.message.startswith("Connection refused"), result


def test_a_server_that_never_greets_is_a_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        imap = check_imap(ImapAccount.from_url(f"imap://u:p@127.0.0.1:{port}/INBOX"), timeout=0.5)
        smtp = asyncio.run(check_smtp(SmtpAccount.from_url(f"smtp://u:p@127.0.0.1:{port}"),
                                      timeout=0.5))
    assert "timed out" in imap.message, imap
    assert "timed out" in smtp.message, smtp
