"""The chat channel's pure parts: signed identities, subjects, cleaning."""

from __future__ import annotations

from channels.chat import (
    chat_message,
    clean_text,
    identity_signature,
    subject_of,
    valid_email,
    verified_identity,
)


def test_a_signed_identity_is_believed_and_a_forged_one_is_not() -> None:
    good = identity_signature("s3cret", "Li.Na@Shop.example")
    assert verified_identity("s3cret", "li.na@shop.example", good)
    assert not verified_identity("s3cret", "sarah@acme.example", good)
    assert not verified_identity("other", "li.na@shop.example", good)
    assert not verified_identity("s3cret", "li.na@shop.example", "")
    assert not verified_identity("", "li.na@shop.example", good)


def test_the_subject_is_the_first_line_cut_near_a_word() -> None:
    assert subject_of("\n  打印机无法连接\n详细情况") == "打印机无法连接"
    long = "My order 12345 arrived broken and " + "the box was crushed " * 10
    subject = subject_of(long)
    assert subject.endswith("…") and len(subject) <= 81 and subject.startswith("My order 12345")


def test_control_characters_and_direction_overrides_are_removed() -> None:
    assert clean_text("  hi\x00 there\u202e!  ") == "hi there!"


def test_addresses_are_checked() -> None:
    assert valid_email("wang@example.cn")
    assert not valid_email("a:sarah@acme.example;")
    assert not valid_email("x@y")
    assert not valid_email("a\r\nb@example.com")


def test_a_chat_message_names_its_ticket_and_conversation() -> None:
    message = chat_message(conversation_id=7, ticket_id=42, email="k@example.com", name="Kim",
                           text="Hello", locale="en", client_id="abc")
    assert message.channel == "chat" and message.thread.ticket_number == 42
    assert message.thread.conversation == "7" and "abc" in message.thread.message_id
