"""Mail to customers, written in the customer's language."""

from __future__ import annotations

from desk.i18n import gettext_for
from desk.notices import acknowledgement, reply

LINK = "http://desk.test/requests/abc"


def test_acknowledgement_is_in_chinese_for_a_chinese_customer() -> None:
    notice = acknowledgement("zh_CN", 42, "打印机无法连接", "李雷", LINK)
    expected = [
        gettext_for("zh_CN", "Hello %(name)s,") % {"name": "李雷"},
        gettext_for("zh_CN", "We have received your request and will answer as soon as we can."),
        gettext_for("zh_CN", "Request #%(number)s: %(subject)s")
        % {"number": 42, "subject": "打印机无法连接"},
        gettext_for("zh_CN", "You can follow your request and add to it here:"),
        LINK,
    ]
    lines = [line for line in notice.text.splitlines() if line]
    assert lines == expected
    assert lines[0] != "Hello 李雷,"
    assert lines[0].startswith("李雷") and "您好" in lines[0]
    assert notice.subject == "[#42] 打印机无法连接"


def test_acknowledgement_is_in_english_by_default() -> None:
    notice = acknowledgement("en", 7, "Printer offline", "Ann", LINK)
    assert notice.text.startswith("Hello Ann,\n\nWe have received your request")
    assert "Request #7: Printer offline" in notice.text


def test_reply_keeps_the_agents_words_and_translates_the_footer() -> None:
    notice = reply("zh_CN", 42, "打印机无法连接", "请重启打印机。", "李娜", LINK)
    assert notice.text.startswith("请重启打印机。\n")
    footer = gettext_for("zh_CN", "Request #%(number)s: see the whole conversation here:")
    assert footer % {"number": 42} + "\n" + LINK in notice.text
    assert "see the whole conversation" not in notice.text
