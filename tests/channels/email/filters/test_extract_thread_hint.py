from __future__ import annotations

from channels.email.filters.extract_thread_hint import extract_thread_hint
from channels.message import Identity, InboundMessage


def _mail(subject: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", "a@example.test", "A"), subject, "text")


def test_the_ticket_number_tag_in_the_subject_becomes_the_thread_hint() -> None:
    result = extract_thread_hint(_mail("回复：[#1234] 打印机无法连接"))
    assert isinstance(result, InboundMessage) and result.thread.ticket_number == 1234


def test_the_first_tag_wins_when_a_subject_quotes_several() -> None:
    result = extract_thread_hint(_mail("Re: [#7] Fwd: [#9] hello"))
    assert isinstance(result, InboundMessage) and result.thread.ticket_number == 7


def test_a_subject_without_a_tag_gives_no_hint() -> None:
    for subject in ("Order #123 missing", "[123] not ours", "[#] empty"):
        result = extract_thread_hint(_mail(subject))
        assert isinstance(result, InboundMessage) and result.thread.ticket_number is None
