from __future__ import annotations

from dataclasses import replace

from channels.email.classify import Drop, Filter, run_filters
from channels.message import Identity, InboundMessage

MAIL = InboundMessage("email", Identity("email", "a@example.test", "A"), "Hello", "text")


def test_filters_run_in_order_each_on_the_previous_result() -> None:
    filters: tuple[Filter, ...] = (lambda m: replace(m, subject=m.subject + " 1"),
                                   lambda m: replace(m, subject=m.subject + " 2"))  # fmt: skip
    result = run_filters(MAIL, filters)
    assert isinstance(result, InboundMessage) and result.subject == "Hello 1 2"


def test_the_first_drop_ends_the_run() -> None:
    seen: list[str] = []

    def spy(message: InboundMessage) -> InboundMessage:
        seen.append(message.subject)
        return message

    assert run_filters(MAIL, (lambda m: Drop("mail loop"), spy)) == Drop("mail loop")
    assert seen == []
