"""`SmtpAccount.from_url`: what an admin types becomes a place to send from, password hidden."""

from __future__ import annotations

import pytest

from channels.email.smtp_account import SmtpAccount


def test_smtps_is_implicit_tls_on_port_465_by_default() -> None:
    account = SmtpAccount.from_url("smtps://desk:pw@mail.example.com")
    assert (account.host, account.port, account.ssl) == ("mail.example.com", 465, True)
    assert (account.user, account.password) == ("desk", "pw")


def test_smtp_is_port_587_without_implicit_tls() -> None:
    account = SmtpAccount.from_url("smtp://desk:pw@mail.example.com")
    assert (account.port, account.ssl) == (587, False)


def test_smtp_starttls_requires_the_upgrade_on_port_587() -> None:
    account = SmtpAccount.from_url("smtp+starttls://desk:pw@mail.example.com")
    assert (account.port, account.ssl, account.require_starttls, account.start_tls) == (
        587, False, True, True)
    assert account.url == "smtp+starttls://desk:***@mail.example.com:587"
    assert SmtpAccount.from_url("smtp://mail.example.com").start_tls is None  # when offered
    assert SmtpAccount.from_url("smtps://mail.example.com").start_tls is False


def test_explicit_port_and_percent_encoded_login_are_read() -> None:
    account = SmtpAccount.from_url("smtp://help%40example.com:p%40ss%3Aw%2Frd@127.0.0.1:2525")
    assert (account.user, account.password, account.port) == ("help@example.com", "p@ss:w/rd", 2525)


def test_a_server_without_login_is_allowed() -> None:
    account = SmtpAccount.from_url("smtp://relay.internal:25")
    assert (account.user, account.password, account.url) == ("", "", "smtp://relay.internal:25")


def test_repr_and_url_never_show_the_password() -> None:
    account = SmtpAccount.from_url("smtps://desk:hunter2-secret@mail.example.com")
    assert "hunter2-secret" not in repr(account)
    assert "hunter2-secret" not in str(account)
    assert account.url == "smtps://desk:***@mail.example.com:465"


@pytest.mark.parametrize("url, reason", [
    ("imap://desk:pw@mail.example.com", r"starts with smtp://, smtps:// or smtp\+starttls://"),
    ("smtp://desk:pw@", "no host"),
    ("smtp://desk@mail.example.com", "no password"),
    ("smtp://desk:pw@mail.example.com:99999", "port"),
    ("smtp://desk:pw@mail.example.com/INBOX", "no /path"),
])
def test_bad_urls_say_what_is_wrong_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        SmtpAccount.from_url(url)
    assert "pw" not in str(caught.value)
