"""A mailbox's language read into its mail end to end: `desk ingest --mailbox NAME`, an IMAP
pass from a real Dovecot (the parse workers get the language with the bytes), and a batch
large enough for the worker processes; mail without bytes to guess is not read twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlmodel import col, select

from channels.email.imap import ImapAccount, connect
from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox
from desk.cli.main import main
from desk.db import Database, commit
from desk.mail.fetch import fetch_mailbox
from desk.mail.parse_pool import POOL_THRESHOLD, read_mails, start_reading
from desk.models import Message, Ticket
from desk.settings import Settings
from tests.desk.test_mail_fetch import add_mailbox
from tests.mail_servers import ImapLogin

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "email"
SHIFT_JIS = GOLDEN / "077-shift-jis-without-charset-japanese-mailbox.eml"
BIG5 = GOLDEN / "079-big5-without-charset-traditional-chinese-mailbox.eml"
CP1251 = GOLDEN / "080-windows-1251-without-charset-russian-mailbox.eml"


def _mailbox(db: Database, settings: Settings, name: str, language: str) -> None:
    with db.session() as session:
        create_mailbox(session, settings, SYSTEM, name, f"{name}@example.com", None, None,
                       language=language)
        commit(session)


def _tickets(db: Database) -> list[tuple[str, str]]:
    """(subject, first message's text) of each ticket, oldest first."""
    with db.session() as session:
        tickets = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
        return [(t.subject, session.exec(select(Message.text).where(Message.ticket_id == t.id)
                                         .order_by(col(Message.id))).first() or "")
                for t in tickets]


@pytest.mark.usefixtures("cli_env")
def test_desk_ingest_reads_unlabelled_mail_in_the_language_of_its_mailbox(
    db: Database, settings: Settings,
) -> None:
    _mailbox(db, settings, "tokyo", "ja")
    _mailbox(db, settings, "taipei", "zh-hant")
    _mailbox(db, settings, "moscow", "ru")
    for name, path in (("tokyo", SHIFT_JIS), ("taipei", BIG5), ("moscow", CP1251)):
        assert main(["ingest", "--mailbox", name, str(path)]) == 0
    (jp_subject, jp_text), (tw_subject, tw_text), (ru_subject, ru_text) = _tickets(db)
    assert jp_subject == "ｱﾝｹｰﾄご協力のお願い"
    assert jp_text.startswith("ｱﾝｹｰﾄﾉ ｺﾞｷｮｳﾘｮｸｦ ｵﾈｶﾞｲｼﾏｽ")
    assert tw_subject == "請問" and "滑鼠和螢幕" in tw_text
    assert ru_subject == "Здравствуйте" and "Заказ номер 123" in ru_text


def test_an_imap_pass_reads_with_the_mailbox_language(
    db: Database, settings: Settings, dovecot: ImapLogin,
) -> None:
    client: IMAPClient = connect(ImapAccount.from_url(dovecot.url), timeout=10)
    try:
        client.append("INBOX", SHIFT_JIS.read_bytes())
    finally:
        client.logout()
    outcome = fetch_mailbox(db, settings, add_mailbox(db, settings, dovecot, language="ja"))
    assert not outcome.error, outcome.error
    ((subject, text),) = _tickets(db)
    assert subject == "ｱﾝｹｰﾄご協力のお願い" and text.startswith("ｱﾝｹｰﾄﾉ")


def test_the_parse_workers_read_a_large_batch_with_the_language() -> None:
    raw = SHIFT_JIS.read_bytes()
    raws = [raw.replace(b"<077-language@", f"<077-{n}-language@".encode()) for n in range(POOL_THRESHOLD)]
    for parsed in read_mails(raws, ["ja"] * len(raws)):
        assert not isinstance(parsed, str) and parsed.subject == "ｱﾝｹｰﾄご協力のお願い"
    read = start_reading(list(enumerate(raws)), "ja").result()
    assert {p.subject for p in read.values() if not isinstance(p, str)} == {"ｱﾝｹｰﾄご協力のお願い"}
    assert len(read) == len(raws)
    plain = read_mails(raws[:1])[0]
    assert not isinstance(plain, str) and plain.subject != "ｱﾝｹｰﾄご協力のお願い"
    assert plain.email is not None and plain.email.guessed and plain.email.language == ""
