from __future__ import annotations

import pytest

from channels.email.quotes import new_text


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, 4 Mar 2024 at 10:00, Desk <support@desk.test> wrote:\n> old",
        "On Mon, 4 Mar 2024 at 10:00, Desk Support\n<support@desk.test> wrote:\n> old",
        "-----Original Message-----\nFrom: Desk\nold",
        "------------------ 原始邮件 ------------------\n发件人: Desk\nold",
        "发件人: Desk <support@desk.test>\n发送时间: 2024年3月4日\nold",
        "在 2024年3月4日 10:00，Desk <support@desk.test> 写道：\n> old",
        "________________________________\nFrom: Desk\nSent: Monday\nold",
        "From: Desk <support@desk.test>\nSent: Monday, March 4, 2024\nold",
        "> old\n> older",
    ],
)
def test_the_new_text_stops_where_the_quoted_history_starts(history: str) -> None:
    assert new_text("Thanks, fixed.\n\nAnna\n\n" + history) == "Thanks, fixed.\n\nAnna"


def test_a_mail_with_no_history_is_all_new_text() -> None:
    assert new_text("From: the top of my head,\nI think the printer is broken.\n") == (
        "From: the top of my head,\nI think the printer is broken."
    )


def test_a_mail_that_is_only_quoted_keeps_its_text_rather_than_nothing() -> None:
    assert new_text("> only a quote") == "> only a quote"
