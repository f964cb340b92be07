"""The admin's mailbox pages: add, edit, test against real servers, disable; no password shown."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox
from desk.actions.mail.stored import store_raw
from desk.db import Database, commit
from desk.models import AuditEntry, Mailbox, RawMessage, User
from tests.conftest import csrf_of, sign_in
from tests.mail_servers import ImapLogin
from tests.smtp_server import SmtpServer


def _form(token: str, **kw: str) -> dict[str, str]:
    data = {"csrf_token": token, "name": "support", "address": "help@example.com",
            "display_name": "Help", "team": "", "imap_url": "", "imap_password": "",
            "smtp_url": "", "smtp_password": "", "after_fetch": "flag",
            "processed_folder": "Desk/Processed", "acknowledge": "on"}
    data.update(kw)
    return data


def _mailbox(db: Database) -> Mailbox:
    with db.session() as s:
        mailbox = s.exec(select(Mailbox).where(Mailbox.name == "support")).one()
        s.expunge(mailbox)
        return mailbox


@pytest.fixture
def admin(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("admin"))


def test_admin_adds_edits_and_tests_a_mailbox_and_no_password_ever_shows(
    admin: TestClient, db: Database, dovecot: ImapLogin, smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    pages = [admin.get("/admin/"), admin.get("/admin/mailboxes/new")]
    token = csrf_of(admin, "/admin/mailboxes/new")
    added = admin.post("/admin/mailboxes", data=_form(token, imap_url=dovecot.url,
                                                      smtp_url=smtp_server.url),
                       follow_redirects=False)
    assert added.status_code == 303, added.text
    mailbox = _mailbox(db)
    assert mailbox.imap_password and mailbox.imap_password != dovecot.password
    assert mailbox.smtp_password and mailbox.smtp_password != smtp_server.password

    edit = admin.get(f"/admin/mailboxes/{mailbox.id}/edit")
    assert 'data-password="imap">set<' in edit.text and 'data-password="smtp">set<' in edit.text
    assert f'value="imap://{dovecot.user}@{dovecot.host}:{dovecot.port}/INBOX"' in edit.text
    saved = admin.post(f"/admin/mailboxes/{mailbox.id}", follow_redirects=False, data=_form(
        token, address="desk@example.com", imap_url=f"imap://{dovecot.user}@{dovecot.host}:{dovecot.port}/INBOX",
        smtp_url=f"smtp://desk@{smtp_server.host}:{smtp_server.port}"))
    assert saved.status_code == 303, saved.text
    assert _mailbox(db).address == "desk@example.com"

    tested = admin.post(f"/admin/mailboxes/{mailbox.id}/test", data={"csrf_token": token})
    assert tested.status_code == 200
    assert 'data-check="IMAP" data-ok="yes"' in tested.text  # the kept passwords still log in
    assert 'data-check="SMTP" data-ok="yes"' in tested.text
    pages += [edit, tested, admin.get("/admin/mailboxes")]

    with db.session() as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.entity == "mailbox")).all()
    stored = _mailbox(db)
    # The IMAP and SMTP conversations were logged (at DEBUG), so the check below means something.
    assert {"imapclient.imaplib", "mail.log"} <= {r.name for r in caplog.records}
    for text in [p.text for p in pages] + [caplog.text, repr([a.changes for a in audit])]:
        for secret in (dovecot.password, smtp_server.password, stored.imap_password,
                       stored.smtp_password):
            assert secret not in text


def test_the_test_button_says_which_login_failed_and_why(
    admin: TestClient, db: Database, dovecot: ImapLogin, smtp_server: SmtpServer,
) -> None:
    token = csrf_of(admin, "/admin/mailboxes/new")
    admin.post("/admin/mailboxes", data=_form(
        token, imap_url=dovecot.url.replace(":secret@", ":wrong-Zq9x@"),
        smtp_url=smtp_server.url.replace(":smtp-secret@", ":wrong-Zq9y@")))
    mailbox = _mailbox(db)
    page = admin.post(f"/admin/mailboxes/{mailbox.id}/test", data={"csrf_token": token}).text
    assert 'data-check="IMAP" data-ok="no"' in page and 'data-check="SMTP" data-ok="no"' in page
    assert f"The IMAP server refused the login of {dovecot.user}." in page
    assert "The SMTP server refused the login of desk." in page
    assert "Zq9" not in page


def test_the_test_button_names_a_missing_folder(
    admin: TestClient, db: Database, dovecot: ImapLogin,
) -> None:
    token = csrf_of(admin, "/admin/mailboxes/new")
    admin.post("/admin/mailboxes", data=_form(token, imap_url=dovecot.url.replace("/INBOX", "/Archive")))
    page = admin.post(f"/admin/mailboxes/{_mailbox(db).id}/test", data={"csrf_token": token}).text
    assert "The folder Archive does not exist." in page


def test_bad_input_shows_the_error_keeps_the_input_and_drops_the_password(
    admin: TestClient, db: Database,
) -> None:
    token = csrf_of(admin, "/admin/mailboxes/new")
    page = admin.post("/admin/mailboxes", data=_form(
        token, address="not an address", imap_url="imap://u:typed-Zq9x@mail.example.com/INBOX"))
    assert page.status_code == 400
    assert 'id="address-error"' in page.text and "This is not an email address." in page.text
    assert 'value="not an address"' in page.text
    assert 'value="imap://u@mail.example.com/INBOX"' in page.text
    assert "Zq9x" not in page.text
    with db.session() as s:
        assert s.exec(select(Mailbox)).first() is None


def test_disable_and_enable_from_the_list(admin: TestClient, db: Database) -> None:
    token = csrf_of(admin, "/admin/mailboxes/new")
    admin.post("/admin/mailboxes", data=_form(token))
    mailbox_id = _mailbox(db).id
    admin.post(f"/admin/mailboxes/{mailbox_id}/disable", data={"csrf_token": token})
    assert not _mailbox(db).enabled
    assert "Disabled" in admin.get("/admin/mailboxes").text
    admin.post(f"/admin/mailboxes/{mailbox_id}/enable", data={"csrf_token": token})
    assert _mailbox(db).enabled


def test_accounting_warns_when_the_numbers_do_not_add_up(admin: TestClient, db: Database) -> None:
    with db.session() as s:
        ids = store_raw(s, "support", [b"Subject: a\r\n\r\nx", b"Subject: b\r\n\r\ny"])
        row = s.get(RawMessage, ids[0])
        assert row is not None
        row.status = "vanished"
        s.add(row)
        commit(s)
    page = admin.get("/admin/mailboxes").text
    assert 'data-books="support"' in page
    assert "Does not add up: 2 fetched, 1 accounted for." in page


def test_agents_get_403_and_forms_need_the_csrf_token(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    with db.session() as s:
        create_mailbox(s, client.app.state.settings, SYSTEM,  # type: ignore[attr-defined]
                       "support", "help@example.com", None, None)
        commit(s)
    mailbox_id = _mailbox(db).id
    sign_in(client, make_user("agent"))
    token = csrf_of(client)
    for path in ("/admin/mailboxes", "/admin/mailboxes/new", f"/admin/mailboxes/{mailbox_id}/edit"):
        assert client.get(path).status_code == 403, path
    for path in ("/admin/mailboxes", f"/admin/mailboxes/{mailbox_id}",
                 f"/admin/mailboxes/{mailbox_id}/test", f"/admin/mailboxes/{mailbox_id}/disable"):
        assert client.post(path, data=_form(token)).status_code == 403, path
    assert _mailbox(db).enabled
    sign_in(client, make_user("admin"))
    assert client.post(f"/admin/mailboxes/{mailbox_id}/disable", data={}).status_code == 403
    assert _mailbox(db).enabled


def test_the_acknowledgement_template_and_limit_are_checked_and_saved(
    admin: TestClient, db: Database,
) -> None:
    token = csrf_of(admin, "/admin/mailboxes/new")
    page = admin.post("/admin/mailboxes", data=_form(
        token, ack_subject="Thanks {nmae}", ack_body="Dear {name}", ack_per_hour="3", poll_seconds="60"))
    assert page.status_code == 400 and 'id="ack_subject-error"' in page.text
    assert "Unknown placeholder {nmae}" in page.text and 'value="Thanks {nmae}"' in page.text
    page = admin.post("/admin/mailboxes", data=_form(token, ack_per_hour="lots", poll_seconds="60"))
    assert page.status_code == 400 and 'id="ack_per_hour-error"' in page.text
    page = admin.post("/admin/mailboxes", data=_form(
        token, ack_subject="[#{number}] 收到：{subject}", ack_body="{name}，您好：{link}",
        ack_per_hour="5", poll_seconds="120"), follow_redirects=False)
    assert page.status_code == 303
    mailbox = _mailbox(db)
    assert (mailbox.ack_subject, mailbox.ack_body) == ("[#{number}] 收到：{subject}", "{name}，您好：{link}")
    assert (mailbox.ack_per_hour, mailbox.poll_seconds) == (5, 120)


def test_the_language_is_chosen_saved_shown_again_and_audited(admin: TestClient, db: Database) -> None:
    page = admin.get("/admin/mailboxes/new")
    assert '<option value="ja" >Japanese (Shift_JIS, EUC-JP)</option>' in page.text
    assert '<option value="" selected>' in page.text  # none by default: guessing as before
    token = csrf_of(admin, "/admin/mailboxes/new")
    added = admin.post("/admin/mailboxes", data=_form(token, language="ja"), follow_redirects=False)
    assert added.status_code == 303, added.text
    mailbox = _mailbox(db)
    assert mailbox.language == "ja"
    assert '<option value="ja" selected>' in admin.get(f"/admin/mailboxes/{mailbox.id}/edit").text
    saved = admin.post(f"/admin/mailboxes/{mailbox.id}", data=_form(token, language="zh-hant"),
                       follow_redirects=False)
    assert saved.status_code == 303, saved.text
    refused = admin.post(f"/admin/mailboxes/{mailbox.id}", data=_form(token, language="tlh"))
    assert refused.status_code == 400 and 'id="language-error"' in refused.text
    assert "Choose a language from the list." in refused.text
    assert _mailbox(db).language == "zh-hant"
    with db.session() as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.entity == "mailbox")
                       .order_by(col(AuditEntry.id))).all()
    assert audit[0].action == "created" and audit[0].changes["language"] == [None, "ja"]
    assert audit[-1].action == "updated" and audit[-1].changes == {"language": ["ja", "zh-hant"]}
