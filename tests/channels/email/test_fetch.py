"""Fetching raw mail above a watermark from a real Dovecot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from imapclient import SEEN, IMAPClient

from channels.email.fetch import (
    PROCESSED,
    UidValidityChangedError,
    Watermark,
    _uids_above,
    fetch_new,
    flag_processed,
    move_processed,
)
from channels.email.imap import FolderNotFoundError, ImapAccount, connect
from tests.mail_servers import ImapLogin


def mail(n: int, subject: str = "Printer") -> bytes:
    return (f"From: customer{n}@example.com\r\nTo: support@desk.test\r\n"
            f"Subject: {subject} {n}\r\nMessage-ID: <m{n}@example.com>\r\n\r\n"
            f"Body of message {n}.\r\n").encode()


GBK = (b"From: =?gbk?b?1cXI/Q==?= <zhang@example.cn>\r\nSubject: "
       + "打印机坏了".encode("gbk")
       + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=gbk\r\n"
       b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "你好，打印机不能用了。\r\n".encode("gbk"))

LARGE = (b"Subject: scan\r\nContent-Type: application/octet-stream\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\n" + b"QUJDRA==" * 9 + b"QUJD\r\n") * 27_000


@pytest.fixture
def client(dovecot: ImapLogin) -> Iterator[IMAPClient]:
    c = connect(ImapAccount.from_url(dovecot.url), timeout=10)
    yield c
    c.logout()


@pytest.fixture
def other_client(dovecot: ImapLogin) -> Iterator[IMAPClient]:
    """Someone reading the same mailbox in their own mail program."""
    c = connect(ImapAccount.from_url(dovecot.url), timeout=10)
    yield c
    c.logout()


def append(client: IMAPClient, *messages: bytes, folder: str = "INBOX") -> None:
    for message in messages:
        client.append(folder, message)


def flags_of(client: IMAPClient, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
    client.select_folder(folder, readonly=True)
    answer = client.fetch(client.search(["ALL"]), ["FLAGS"])
    return [answer[uid][b"FLAGS"] for uid in sorted(answer)]


def test_fetches_every_message_byte_for_byte_with_8bit_gbk_and_2mb(client: IMAPClient) -> None:
    assert len(LARGE) > 2_000_000
    append(client, mail(1), GBK, LARGE)
    result = fetch_new(client, "INBOX", None, cap=10)
    assert [m.raw for m in result.messages] == [mail(1), GBK, LARGE]
    assert [m.size for m in result.messages] == [len(mail(1)), len(GBK), len(LARGE)]
    uids = [m.uid for m in result.messages]
    assert uids == sorted(uids)
    assert result.watermark.uid == uids[-1]
    assert result.uidvalidity_changed is False
    assert result.remaining == 0
    received = result.messages[0].internal_date
    assert received is not None
    assert abs(datetime.now(UTC) - received) < timedelta(minutes=5)


def test_fetch_leaves_messages_unseen(client: IMAPClient) -> None:
    append(client, mail(1), mail(2))
    fetch_new(client, "INBOX", None, cap=10)
    assert all(SEEN not in flags for flags in flags_of(client))


def test_second_fetch_with_the_returned_watermark_gets_nothing(client: IMAPClient) -> None:
    append(client, mail(1), mail(2))
    first = fetch_new(client, "INBOX", None, cap=10)
    second = fetch_new(client, "INBOX", first.watermark, cap=10)
    assert second.messages == ()
    assert second.watermark == first.watermark


def test_search_above_the_last_uid_does_not_return_the_last_message_again(client: IMAPClient) -> None:
    append(client, mail(1))
    client.select_folder("INBOX", readonly=True)
    (uid,) = client.search(["ALL"])
    # Without UIDNEXT the search "UID n+1:*" runs, and the server answers it with the last UID.
    assert _uids_above(client, uid, None) == []


def test_messages_appended_later_are_fetched_next_time(client: IMAPClient) -> None:
    append(client, mail(1))
    first = fetch_new(client, "INBOX", None, cap=10)
    append(client, mail(2), mail(3))
    second = fetch_new(client, "INBOX", first.watermark, cap=10)
    assert [m.raw for m in second.messages] == [mail(2), mail(3)]


def test_cap_is_honoured_across_runs(client: IMAPClient) -> None:
    append(client, *(mail(n) for n in range(7)))
    watermark = None
    runs = []
    for _ in range(4):
        result = fetch_new(client, "INBOX", watermark, cap=3)
        runs.append(([m.raw for m in result.messages], result.remaining))
        watermark = result.watermark
    assert runs == [([mail(0), mail(1), mail(2)], 4), ([mail(3), mail(4), mail(5)], 1),
                    ([mail(6)], 0), ([], 0)]


def test_byte_budget_ends_a_run_early_but_always_takes_one_message(client: IMAPClient) -> None:
    append(client, LARGE, mail(1), mail(2))
    first = fetch_new(client, "INBOX", None, cap=10, max_bytes=1000)
    assert [m.raw for m in first.messages] == [LARGE]
    assert first.remaining == 2
    second = fetch_new(client, "INBOX", first.watermark, cap=10, max_bytes=1000)
    assert [m.raw for m in second.messages] == [mail(1), mail(2)]


def test_recreated_folder_starts_over_from_uid_1(client: IMAPClient) -> None:
    client.create_folder("Support")
    append(client, mail(1), mail(2), folder="Support")
    before = fetch_new(client, "Support", None, cap=10)
    client.select_folder("INBOX")
    client.delete_folder("Support")
    client.create_folder("Support")
    append(client, mail(3), folder="Support")
    after = fetch_new(client, "Support", before.watermark, cap=10)
    assert after.uidvalidity_changed is True
    assert after.watermark.uidvalidity != before.watermark.uidvalidity
    assert [m.raw for m in after.messages] == [mail(3)]


def test_message_read_in_another_client_is_still_fetched(client: IMAPClient,
                                                         other_client: IMAPClient) -> None:
    append(client, mail(1))
    other_client.select_folder("INBOX")
    other_client.fetch(other_client.search(["ALL"]), ["BODY[]"])  # reading it sets \Seen
    assert SEEN in flags_of(client)[0]
    result = fetch_new(client, "INBOX", None, cap=10)
    assert [m.raw for m in result.messages] == [mail(1)]


def test_flag_processed_marks_only_the_given_messages(client: IMAPClient) -> None:
    append(client, mail(1), mail(2))
    result = fetch_new(client, "INBOX", None, cap=10)
    flag_processed(client, "INBOX", result.watermark.uidvalidity, [result.messages[0].uid])
    first, second = flags_of(client)
    assert SEEN in first and PROCESSED in first
    assert SEEN not in second and PROCESSED not in second


def test_move_processed_creates_the_folder_and_moves_the_messages(client: IMAPClient) -> None:
    append(client, mail(1), mail(2), mail(3))
    result = fetch_new(client, "INBOX", None, cap=2)
    move_processed(client, "INBOX", result.watermark.uidvalidity,
                   [m.uid for m in result.messages], "Desk/Processed")
    left = fetch_new(client, "INBOX", None, cap=10)
    moved = fetch_new(client, "Desk/Processed", None, cap=10)
    assert [m.raw for m in left.messages] == [mail(3)]
    assert [m.raw for m in moved.messages] == [mail(1), mail(2)]


class WithoutMove(IMAPClient):
    """A client that acts as if the server had no MOVE extension."""

    def has_capability(self, capability: str) -> bool:
        return capability.upper() != "MOVE" and bool(super().has_capability(capability))


def test_move_processed_copies_and_expunges_where_the_server_has_no_move(dovecot: ImapLogin,
                                                                         client: IMAPClient) -> None:
    append(client, mail(1), mail(2))
    old_server = WithoutMove(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
    old_server.login(dovecot.user, dovecot.password)
    try:
        result = fetch_new(old_server, "INBOX", None, cap=1)
        move_processed(old_server, "INBOX", result.watermark.uidvalidity,
                       [m.uid for m in result.messages], "Processed")
    finally:
        old_server.logout()
    assert [m.raw for m in fetch_new(client, "INBOX", None, cap=10).messages] == [mail(2)]
    assert [m.raw for m in fetch_new(client, "Processed", None, cap=10).messages] == [mail(1)]


def test_marking_after_the_folder_was_recreated_changes_nothing(client: IMAPClient) -> None:
    client.create_folder("Support")
    append(client, mail(1), folder="Support")
    result = fetch_new(client, "Support", None, cap=10)
    client.select_folder("INBOX")
    client.delete_folder("Support")
    client.create_folder("Support")
    append(client, mail(2), folder="Support")
    uids = [m.uid for m in result.messages]
    with pytest.raises(UidValidityChangedError):
        flag_processed(client, "Support", result.watermark.uidvalidity, uids)
    with pytest.raises(UidValidityChangedError):
        move_processed(client, "Support", result.watermark.uidvalidity, uids, "Processed")
    assert flags_of(client, "Support") == [()]
    assert not client.folder_exists("Processed")


def test_missing_folder_raises_folder_not_found(client: IMAPClient) -> None:
    with pytest.raises(FolderNotFoundError, match="Nowhere"):
        fetch_new(client, "Nowhere", None, cap=10)


def test_cap_below_one_is_refused(client: IMAPClient) -> None:
    with pytest.raises(ValueError, match="cap"):
        fetch_new(client, "INBOX", Watermark(1, 0), cap=0)
