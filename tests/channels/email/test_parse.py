from __future__ import annotations

import pytest

from channels.email.parse import ParseError, parse

PLAIN = b"From: a@example.test\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n"


def test_text_instead_of_bytes_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ParseError, match="expected bytes"):
        parse(PLAIN.decode())  # type: ignore[arg-type]


def test_a_plain_mail_becomes_an_email_channel_message() -> None:
    got = parse(PLAIN)
    assert (got.channel, got.sender.value, got.subject, got.text, got.email.full_text) == (
        "email", "a@example.test", "hi", "body", "body",
    )  # fmt: skip
    assert got.locale == "en"


def test_chinese_mail_is_marked_with_the_chinese_locale() -> None:
    raw = "From: a@example.test\r\nSubject: =?utf-8?B?5omT5Y2w5py6?=\r\n\r\n打印机坏了\r\n".encode()
    assert parse(raw).locale == "zh"


def test_a_part_that_is_not_text_and_has_no_name_is_kept_under_its_content_id() -> None:
    raw = (b"From: a@example.test\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/html\r\n\r\n<img src=cid:logo@x>\r\n--b\r\nContent-Type: image/png\r\n"
           b"Content-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"iVBORw0KGgo=\r\n--b--\r\n")  # fmt: skip
    (image,) = parse(raw).attachments
    assert (image.filename, image.content_id, len(image.data)) == ("logo@x.png", "logo@x", 8)
