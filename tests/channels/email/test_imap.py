"""Mailbox URLs and logging in, against a real Dovecot."""

from __future__ import annotations

import pytest

from channels.email.imap import ImapAccount, MailboxError, MailboxLoginError, connect
from tests.mail_servers import ImapLogin, free_port


def test_url_gives_host_port_tls_user_password_and_folder() -> None:
    account = ImapAccount.from_url("imaps://support%40example.com:p%40ss%3Aw%2Frd@mail.example.com/Support")
    assert account == ImapAccount(host="mail.example.com", port=993, ssl=True,
                                  user="support@example.com", password="p@ss:w/rd", folder="Support")


def test_url_without_tls_defaults_to_port_143_and_the_inbox() -> None:
    account = ImapAccount.from_url("imap://support:secret@127.0.0.1")
    assert (account.port, account.ssl, account.folder) == (143, False, "INBOX")
    assert ImapAccount.from_url("imap://support:secret@127.0.0.1:1143/").port == 1143


def test_url_folder_is_percent_decoded_including_chinese() -> None:
    account = ImapAccount.from_url("imap://u:p@host/%E5%AE%A2%E6%9C%8D/Inbox%202")
    assert account.folder == "客服/Inbox 2"


@pytest.mark.parametrize(("url", "says"), [
    ("http://support:hunter2@host/INBOX", "imap:// or imaps://"),
    ("imap://support:hunter2@/INBOX", "no host"),
    ("imap://support@host/INBOX", "user and a password"),
    ("imap://host/INBOX", "user and a password"),
    ("imap://support:hunter2@host:99999/INBOX", "port"),
    ("imap://support:hunter2@host:abc/INBOX", "port"),
    ("imap://support:hunter2@host/INBOX?x=1", "query"),
])
def test_bad_url_says_what_is_wrong_without_the_password(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as raised:
        ImapAccount.from_url(url)
    assert "hunter2" not in str(raised.value)


def test_repr_and_url_hide_the_password() -> None:
    account = ImapAccount.from_url("imaps://support:hunter2@mail.example.com:10993/Support")
    assert "hunter2" not in repr(account)
    assert "hunter2" not in str(account)
    assert account.url == "imaps://support:***@mail.example.com:10993/Support"


def test_connect_logs_in(dovecot: ImapLogin) -> None:
    client = connect(ImapAccount.from_url(dovecot.url), timeout=5)
    try:
        assert client.folder_exists("INBOX")
    finally:
        client.logout()


def test_wrong_password_raises_a_login_error(dovecot: ImapLogin) -> None:
    account = ImapAccount.from_url(dovecot.url.replace(":secret@", ":wrong@"))
    with pytest.raises(MailboxLoginError, match=dovecot.user) as raised:
        connect(account, timeout=5)
    assert "wrong" not in str(raised.value)


def test_unreachable_server_raises_a_mailbox_error() -> None:
    account = ImapAccount.from_url(f"imap://support:secret@127.0.0.1:{free_port()}/")
    with pytest.raises(MailboxError, match="cannot connect") as raised:
        connect(account, timeout=5)
    assert not isinstance(raised.value, MailboxLoginError)


def test_each_test_gets_an_empty_mailbox_whose_maildir_holds_what_is_appended(dovecot: ImapLogin) -> None:
    client = connect(ImapAccount.from_url(dovecot.url), timeout=5)
    try:
        client.select_folder("INBOX")
        assert client.search(["ALL"]) == []
        client.append("INBOX", b"Subject: on disk\r\n\r\nhello\r\n")
    finally:
        client.logout()
    stored = [p for p in dovecot.maildir.glob("*/*") if p.parent.name in ("new", "cur")]
    assert [p.read_bytes().replace(b"\r\n", b"\n") for p in stored] == [b"Subject: on disk\n\nhello\n"]
