"""Sending one mail through a real SMTP server (aiosmtpd): what arrives, and what each way
of failing means for the mail."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from datetime import UTC, datetime

from channels.email.send import Delivery, Failure, send
from channels.email.smtp_account import SmtpAccount
from channels.message import OutboundMessage
from tests.mail_servers import free_port
from tests.smtp_server import SmtpServer

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
MAIL = OutboundMessage(to_address="li@customer.example", from_address="support@desk.test",
                       subject="打印机坏了", text="您好，打印机已修好。\n",
                       message_id="<out1@desk.test>", in_reply_to="<c1@customer.example>")


def _delivery(account: SmtpAccount, **changes: object) -> Delivery:
    return replace(Delivery(account, ticket_id=42, display_name="客服中心", to_name="李雷"),
                   **changes)  # type: ignore[arg-type]


def test_the_server_receives_the_composed_mail_from_the_mailbox_to_the_customer(
    smtp_server: SmtpServer,
) -> None:
    failure = asyncio.run(send(MAIL, _delivery(SmtpAccount.from_url(smtp_server.url)), date=WHEN))
    assert failure is None
    (received,) = smtp_server.messages
    assert (received.mail_from, received.rcpt_tos) == ("support@desk.test", ["li@customer.example"])
    message = received.message
    assert message["From"] == "客服中心 <support@desk.test>"
    assert message["To"] == "李雷 <li@customer.example>"
    assert message["Subject"] == "[#42] 打印机坏了"
    assert message["In-Reply-To"] == "<c1@customer.example>"
    assert message["Auto-Submitted"] is None


def test_automatic_mail_says_so(smtp_server: SmtpServer) -> None:
    account = SmtpAccount.from_url(smtp_server.url)
    assert asyncio.run(send(MAIL, _delivery(account, automatic=True), date=WHEN)) is None
    assert smtp_server.messages[0].message["Auto-Submitted"] == "auto-replied"


def test_a_4xx_answer_is_temporary_and_a_5xx_permanent(smtp_server: SmtpServer) -> None:
    account = SmtpAccount.from_url(smtp_server.url)
    smtp_server.fail_with = (451, "Greylisted, try again later")
    greylisted = asyncio.run(send(MAIL, _delivery(account), date=WHEN))
    smtp_server.fail_with = (550, "No such user here")
    refused = asyncio.run(send(MAIL, _delivery(account), date=WHEN))
    assert greylisted == Failure(
        f"the SMTP server {smtp_server.host} answered 451 Greylisted, try again later",
        temporary=True)
    assert refused is not None and not refused.temporary and "550 No such user here" in refused.reason
    assert smtp_server.messages == []


def test_a_refused_login_is_temporary_and_never_shows_the_password(smtp_server: SmtpServer) -> None:
    account = replace(SmtpAccount.from_url(smtp_server.url), password="wrong-Zq9x")
    failure = asyncio.run(send(MAIL, _delivery(account), date=WHEN))
    assert failure is not None and failure.temporary
    assert "refused the login of desk" in failure.reason and "535" in failure.reason
    assert "wrong-Zq9x" not in failure.reason


def test_no_server_and_a_silent_server_are_temporary() -> None:
    closed = SmtpAccount.from_url(f"smtp://127.0.0.1:{free_port()}")
    down = asyncio.run(send(MAIL, _delivery(closed), date=WHEN, timeout=2))
    with socket.socket() as silent:  # accepts connections (backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mute = SmtpAccount.from_url(f"smtp://127.0.0.1:{silent.getsockname()[1]}")
        timed_out = asyncio.run(send(MAIL, _delivery(mute), date=WHEN, timeout=0.5))
    assert down is not None and down.temporary and "cannot reach the SMTP server" in down.reason
    assert timed_out is not None and timed_out.temporary
    assert "no answer from the SMTP server" in timed_out.reason and "within 0.5 s" in timed_out.reason


def test_a_mail_that_cannot_be_written_fails_once_for_good_without_a_connection(
    smtp_server: SmtpServer,
) -> None:
    account = SmtpAccount.from_url(smtp_server.url)
    for subject in ("Invoice\r\nBcc: everyone@example.com", "Invoice\nagain"):
        failure = asyncio.run(send(replace(MAIL, subject=subject), _delivery(account), date=WHEN))
        assert failure is not None and not failure.temporary, subject
        assert "cannot be written" in failure.reason
    assert smtp_server.messages == []


def test_kept_connections_carry_a_burst_and_are_replaced_when_the_server_went_away(
    smtp_server: SmtpServer,
) -> None:
    from channels.email.send import Connections

    account = SmtpAccount.from_url(smtp_server.url)

    async def burst() -> tuple[list[Failure | None], int, bool, Failure | None]:
        connections = Connections()
        results = [await connections.send(replace(MAIL, message_id=f"<b{n}@desk.test>"),
                                          _delivery(account), date=WHEN) for n in range(5)]
        (kept,) = [client for idle in connections._idle.values() for client, _ in idle]
        kept.close()  # as a server's idle timeout would: the next mail opens a fresh one
        after = await connections.send(MAIL, _delivery(account), date=WHEN)
        idle = sum(len(i) for i in connections._idle.values())
        await connections.close()
        return results, idle, kept.is_connected, after

    results, idle, old_connected, after = asyncio.run(burst())
    assert results == [None] * 5 and after is None and idle == 1 and not old_connected
    assert len(smtp_server.messages) == 6


def test_a_kept_connection_never_hides_a_refusal() -> None:
    from channels.email.send import Connections

    nobody = SmtpAccount(host="127.0.0.1", port=free_port(), ssl=False, user="", password="")
    failure = asyncio.run(Connections().send(MAIL, _delivery(nobody), date=WHEN))
    assert failure is not None and failure.temporary and "cannot reach" in failure.reason
