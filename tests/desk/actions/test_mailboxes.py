"""Adding, editing, disabling and testing mailboxes; passwords stored encrypted, never echoed."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM
from desk.actions.mail import mailboxes
from desk.actions.mail.mailboxes import MailboxError, MailboxOptions, create_mailbox, update_mailbox
from desk.actions.users import ensure_team
from desk.db import commit
from desk.models import AuditEntry, Mailbox
from desk.settings import Secret, Settings
from tests.mail_servers import ImapLogin
from tests.smtp_server import SmtpServer

IMAP = "imaps://help%40example.com:imap-Zq9x@mail.example.com/Support"
SMTP = "smtp://help%40example.com:smtp-Zq9x@mail.example.com"


def _add(session: Session, settings: Settings, **kw: object) -> Mailbox:
    args: dict[str, object] = dict(name="support", address="Help@Example.com", imap_url=IMAP,
                                   smtp_url=SMTP)
    args.update(kw)
    mailbox = create_mailbox(session, settings, SYSTEM, **args)  # type: ignore[arg-type]
    commit(session)
    return mailbox


def _audit(session: Session, mailbox: Mailbox) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.entity == "mailbox",
                                                      AuditEntry.entity_id == mailbox.id)
                             .order_by(col(AuditEntry.id))))


def test_added_mailbox_stores_passwords_encrypted_and_gives_them_back_to_the_sender(
    session: Session, settings: Settings,
) -> None:
    mailbox = _add(session, settings)
    assert mailbox.address == "help@example.com"
    assert (mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl, mailbox.imap_folder) == (
        "mail.example.com", 993, True, "Support")
    assert (mailbox.smtp_port, mailbox.smtp_ssl) == (587, False)
    assert "imap-Zq9x" not in mailbox.imap_password and mailbox.imap_password
    assert "smtp-Zq9x" not in mailbox.smtp_password and mailbox.smtp_password
    imap, smtp = mailboxes.imap_account(settings, mailbox), mailboxes.smtp_account(settings, mailbox)
    assert imap is not None and imap.password == "imap-Zq9x" and imap.user == "help@example.com"
    assert smtp is not None and smtp.password == "smtp-Zq9x"


def test_push_only_mailbox_has_no_accounts(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings, imap_url=None, smtp_url=None)
    assert mailboxes.imap_account(settings, mailbox) is None
    assert mailboxes.smtp_account(settings, mailbox) is None


def test_the_audit_row_says_a_password_was_set_never_what_it_is(
    session: Session, settings: Settings,
) -> None:
    mailbox = _add(session, settings)
    (created,) = _audit(session, mailbox)
    assert created.action == "created"
    assert created.changes["imap_password"] == [None, "set"]
    assert created.changes["address"] == [None, "help@example.com"]
    assert "Zq9x" not in repr(created.changes)
    assert mailbox.imap_password not in repr(created.changes)


@pytest.mark.parametrize("kw, field", [
    ({"name": "has space"}, "name"),
    ({"address": "not-an-address"}, "address"),
    ({"imap_url": "http://u:imap-Zq9x@host"}, "imap_url"),
    ({"imap_url": "imap://u@host"}, "imap_password"),
    ({"smtp_url": "smtp://u:smtp-Zq9x@host:70000"}, "smtp_url"),
    ({"after_fetch": "delete"}, "after_fetch"),
    ({"team_id": 999}, "team"),
])
def test_bad_input_names_the_field_and_never_the_password(
    session: Session, settings: Settings, kw: dict[str, object], field: str,
) -> None:
    with pytest.raises(MailboxError) as caught:
        _add(session, settings, **kw)
    assert caught.value.field == field
    assert "Zq9x" not in str(caught.value)


def test_a_taken_name_or_address_is_refused(session: Session, settings: Settings) -> None:
    _add(session, settings)
    with pytest.raises(MailboxError) as caught:
        _add(session, settings, address="other@example.com")
    assert caught.value.field == "name"
    with pytest.raises(MailboxError) as caught:
        _add(session, settings, name="sales")
    assert caught.value.field == "address"


def test_password_given_apart_from_the_url_is_used(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings, imap_url="imap://help@mail.example.com",
                   imap_password="p@ss:w/rd", smtp_url=None)
    imap = mailboxes.imap_account(settings, mailbox)
    assert imap is not None and imap.password == "p@ss:w/rd"


def _options(mailbox: Mailbox, **kw: object) -> MailboxOptions:
    base = MailboxOptions(address=mailbox.address, imap_url=mailboxes.shown_imap_url(mailbox),
                          smtp_url=mailboxes.shown_smtp_url(mailbox), team_id=mailbox.team_id)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_edit_with_blank_passwords_keeps_the_stored_ones(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings)
    assert mailboxes.shown_imap_url(mailbox) == "imaps://help%40example.com@mail.example.com:993/Support"
    team = ensure_team(session, SYSTEM, "Billing")
    update_mailbox(session, settings, SYSTEM, mailbox, _options(mailbox, team_id=team.id))
    commit(session)
    imap, smtp = mailboxes.imap_account(settings, mailbox), mailboxes.smtp_account(settings, mailbox)
    assert imap is not None and imap.password == "imap-Zq9x"
    assert smtp is not None and smtp.password == "smtp-Zq9x"
    updated = _audit(session, mailbox)[-1]
    assert updated.changes == {"team_id": [None, team.id]}


def test_edit_with_a_new_password_records_only_that_it_changed(
    session: Session, settings: Settings,
) -> None:
    mailbox = _add(session, settings)
    update_mailbox(session, settings, SYSTEM, mailbox, _options(mailbox, smtp_password="new-Zq9y"))
    commit(session)
    smtp = mailboxes.smtp_account(settings, mailbox)
    assert smtp is not None and smtp.password == "new-Zq9y"
    updated = _audit(session, mailbox)[-1]
    assert updated.changes == {"smtp_password": ["set", "changed"]}


@pytest.mark.parametrize("kw, field", [
    ({"imap_url": "imaps://help%40example.com@elsewhere.example.net/Support"}, "imap_password"),
    ({"smtp_url": "smtp://other%40example.com@mail.example.com"}, "smtp_password"),
])
def test_a_stored_password_never_follows_the_mailbox_to_another_server_or_user(
    session: Session, settings: Settings, kw: dict[str, str], field: str,
) -> None:
    mailbox = _add(session, settings)
    with pytest.raises(MailboxError) as caught:
        update_mailbox(session, settings, SYSTEM, mailbox, _options(mailbox, **kw))
    assert caught.value.field == field
    update_mailbox(session, settings, SYSTEM, mailbox,
                   _options(mailbox, **kw, **{field: "retyped-Zq9z"}))
    account = (mailboxes.imap_account if field == "imap_password" else mailboxes.smtp_account)(
        settings, mailbox)
    assert account is not None and account.password == "retyped-Zq9z"


def test_a_failed_edit_leaves_the_mailbox_as_it_was(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings)
    with pytest.raises(MailboxError):
        update_mailbox(session, settings, SYSTEM, mailbox,
                       _options(mailbox, address="bad", smtp_password="new-Zq9y"))
    assert mailbox.address == "help@example.com"
    assert len(_audit(session, mailbox)) == 1


def test_moving_to_another_folder_starts_the_watermark_over(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings)
    mailbox.uidvalidity, mailbox.last_uid = 77, 1200
    update_mailbox(session, settings, SYSTEM, mailbox,
                   _options(mailbox, imap_url=mailboxes.shown_imap_url(mailbox).replace("Support", "INBOX")))
    assert (mailbox.imap_folder, mailbox.uidvalidity, mailbox.last_uid) == ("INBOX", None, 0)


def test_disable_and_enable_are_audited(session: Session, settings: Settings) -> None:
    mailbox = _add(session, settings)
    mailboxes.set_enabled(session, SYSTEM, mailbox, False)
    mailboxes.set_enabled(session, SYSTEM, mailbox, False)  # no change, no row
    mailboxes.set_enabled(session, SYSTEM, mailbox, True)
    commit(session)
    assert [a.action for a in _audit(session, mailbox)] == ["created", "disabled", "enabled"]


def test_mailbox_test_logs_in_to_both_real_servers(
    session: Session, settings: Settings, dovecot: ImapLogin, smtp_server: SmtpServer,
) -> None:
    mailbox = _add(session, settings, imap_url=dovecot.url, smtp_url=smtp_server.url)
    results = asyncio.run(mailboxes.test_mailbox(settings, mailbox))
    assert [(r.server, r.ok) for r in results] == [("IMAP", True), ("SMTP", True)]


def test_mailbox_test_says_which_server_refused_the_login(
    session: Session, settings: Settings, dovecot: ImapLogin, smtp_server: SmtpServer,
) -> None:
    mailbox = _add(session, settings, imap_url=dovecot.url.replace(":secret@", ":wrong-Zq9x@"),
                   smtp_url=smtp_server.url.replace(":smtp-secret@", ":wrong-Zq9y@"))
    imap, smtp = asyncio.run(mailboxes.test_mailbox(settings, mailbox))
    assert (imap.ok, imap.message) == (False, "The IMAP server refused the login of %(user)s.")
    assert (smtp.ok, smtp.message) == (False, "The SMTP server refused the login of %(user)s.")
    assert "Zq9" not in repr([imap, smtp])


def test_mailbox_test_names_a_missing_folder(
    session: Session, settings: Settings, dovecot: ImapLogin,
) -> None:
    mailbox = _add(session, settings, imap_url=dovecot.url.replace("/INBOX", "/Archive"), smtp_url=None)
    imap, smtp = asyncio.run(mailboxes.test_mailbox(settings, mailbox))
    assert (imap.ok, imap.params) == (False, {"folder": "Archive"})
    assert smtp.ok  # none set: nothing to fail


def test_mailbox_test_asks_again_for_passwords_unreadable_after_a_key_change(
    session: Session, settings: Settings,
) -> None:
    mailbox = _add(session, settings)
    other = replace(settings, secret_key=Secret("another-key"))
    (result,) = asyncio.run(mailboxes.test_mailbox(other, mailbox))
    assert not result.ok and "enter the passwords again" in result.message
