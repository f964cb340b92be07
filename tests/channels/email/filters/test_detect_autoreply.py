from __future__ import annotations

import pytest

from channels.email.filters.detect_autoreply import detect_autoreply
from channels.message import EmailPart, Identity, InboundMessage


def _mail(subject: str = "Printer broken", **headers: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", "a@example.test", "A"), subject, "text",
                          email=EmailPart(headers=headers))


@pytest.mark.parametrize(
    "headers",
    [
        {"auto-submitted": "auto-replied"},
        {"auto-submitted": "auto-generated"},
        {"x-autoreply": "yes"},
        {"x-autorespond": "vacation"},
        {"precedence": "bulk"},
        {"precedence": "junk"},
        {"precedence": "list"},
        {"x-precedence": "auto_reply"},
    ],
)
def test_autoreply_headers_mark_the_message(headers: dict[str, str]) -> None:
    result = detect_autoreply(_mail(**headers))
    assert isinstance(result, InboundMessage) and result.email.classification == "autoreply"


@pytest.mark.parametrize(
    "subject",
    ["Automatic reply: [#3] Printer", "Auto: Re: Export", "Out of Office: Re: login", "自动回复: 打印机",
     "自動回覆: [#4] 發票", "AutoReply: hello"],
)  # fmt: skip
def test_out_of_office_subjects_in_english_and_chinese_mark_the_message(subject: str) -> None:
    result = detect_autoreply(_mail(subject))
    assert isinstance(result, InboundMessage) and result.email.classification == "autoreply"


def test_a_person_writing_about_being_out_of_ideas_is_not_an_autoreply() -> None:
    mail = _mail("Re: out of ideas, the autoreply feature is broken", **{"auto-submitted": "no"})
    result = detect_autoreply(mail)
    assert isinstance(result, InboundMessage) and result.email.classification == "normal"


def test_a_bounce_stays_a_bounce() -> None:
    bounce = InboundMessage("email", Identity("email", "mailer-daemon@x.test", ""), "Undeliverable", "",
                            email=EmailPart(classification="bounce",
                                            headers={"auto-submitted": "auto-replied"}))  # fmt: skip
    assert detect_autoreply(bounce) is bounce
