"""`desk mailbox add|list|test|enable|disable` against the test database and real servers."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from desk.actions.audit import SYSTEM
from desk.actions.users import ensure_team
from desk.cli.main import main
from desk.db import Database, commit
from desk.models import AuditEntry, Mailbox
from tests.mail_servers import ImapLogin
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.usefixtures("cli_env")


def _mailbox(db: Database, name: str) -> Mailbox:
    with db.session() as session:
        mailbox = session.exec(select(Mailbox).where(Mailbox.name == name)).one()
        session.expunge(mailbox)
        return mailbox


def test_add_list_and_test_a_mailbox_without_ever_printing_a_password(
    db: Database, dovecot: ImapLogin, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str],
) -> None:
    with db.session() as session:
        team_id = ensure_team(session, SYSTEM, "Billing").id
        commit(session)
    assert main(["mailbox", "add", "support", "--address", "help@example.com", "--imap", dovecot.url,
                 "--smtp", smtp_server.url, "--team", "Billing", "--after-fetch", "move",
                 "--no-acknowledge"]) == 0
    mailbox = _mailbox(db, "support")
    assert (mailbox.after_fetch, mailbox.acknowledge, mailbox.team_id) == ("move", False, team_id)
    assert mailbox.imap_password and mailbox.imap_password != dovecot.password

    assert main(["mailbox", "list"]) == 0
    assert main(["--log-level", "DEBUG", "mailbox", "test", "support"]) == 0
    out, log = capsys.readouterr()
    assert "imapclient" in log  # the IMAP conversation was logged, so the check below means something
    assert "support\thelp@example.com\tenabled" in out
    assert "last success never" in out
    assert "IMAP: ok" in out and "SMTP: ok" in out
    for password in (dovecot.password, smtp_server.password):
        assert f":{password}@" not in out
        assert password not in log


def test_test_exits_1_and_says_which_login_failed(
    db: Database, dovecot: ImapLogin, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["mailbox", "add", "support", "--address", "help@example.com",
                 "--imap", dovecot.url.replace(":secret@", ":wrong-Zq9x@")]) == 0
    assert main(["mailbox", "test", "support"]) == 1
    out = capsys.readouterr().out
    assert f"IMAP: FAILED: The IMAP server refused the login of {dovecot.user}." in out
    assert "SMTP: ok" in out  # no SMTP server set: nothing to fail
    assert "Zq9x" not in out


@pytest.mark.parametrize("argv, message", [
    (["--address", "nope"], "address: This is not an email address."),
    (["--address", "a@example.com", "--imap", "imap://u:pw-Zq9x@"], "imap_url: The IMAP URL is not right"),
    (["--address", "a@example.com", "--team", "Nobody"], "there is no team named 'Nobody'"),
])
def test_bad_input_exits_1_with_a_clear_message(
    db: Database, argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["mailbox", "add", "support", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Zq9x" not in err


def test_disable_and_enable(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mailbox", "add", "support", "--address", "help@example.com"]) == 0
    assert main(["mailbox", "disable", "support"]) == 0
    assert not _mailbox(db, "support").enabled
    assert main(["mailbox", "enable", "support"]) == 0
    assert _mailbox(db, "support").enabled
    assert main(["mailbox", "disable", "nowhere"]) == 1
    assert "there is no mailbox named 'nowhere'" in capsys.readouterr().err


def test_the_language_is_set_on_add_and_changed_later(
    db: Database, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["mailbox", "add", "tokyo", "--address", "jp@example.com", "--language", "ja"]) == 0
    assert _mailbox(db, "tokyo").language == "ja"
    assert main(["mailbox", "language", "tokyo", "zh-hant"]) == 0
    assert main(["mailbox", "list"]) == 0
    assert "\tlanguage zh-hant\t" in capsys.readouterr().out
    assert main(["mailbox", "language", "tokyo", "none"]) == 0
    assert _mailbox(db, "tokyo").language == ""
    with pytest.raises(SystemExit):
        main(["mailbox", "language", "tokyo", "tlh"])
    with db.session() as session:
        changes = [a.changes for a in session.exec(select(AuditEntry).where(
            AuditEntry.entity == "mailbox", AuditEntry.action == "updated").order_by(col(AuditEntry.id)))]
    assert changes == [{"language": ["ja", "zh-hant"]}, {"language": ["zh-hant", ""]}]
