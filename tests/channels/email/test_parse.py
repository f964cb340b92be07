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


def _big_mail(newline: bytes) -> tuple[bytes, bytes, bytes]:
    import base64
    import random

    rng = random.Random(7)
    pdf, png = b"%PDF-1.7\n" + rng.randbytes(60_000), b"\x89PNG\r\n\x1a\n" + rng.randbytes(30_000)
    inner = (b"From: Bob <bob@example.com>\nSubject: Inner\nMessage-ID: <inner-big@example.com>\n"
             b"Content-Type: multipart/mixed; boundary=\"in\"\n\n"
             b"--in\nContent-Type: text/plain\n\nInner text\n"
             b"--in\nContent-Type: image/png; name=\"shot.png\"\nContent-Transfer-Encoding: base64\n\n"
             + base64.encodebytes(png) + b"--in--\n")
    raw = (b"From: Ann <ann@example.com>\nTo: support@desk.test\nSubject: Big\n"
           b"Message-ID: <big@example.com>\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"out\"\n\npreamble\n--out\n"
           b"Content-Type: text/plain; charset=utf-8\n\nSee the files.\n--out\n"
           b"Content-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n"
           + base64.encodebytes(pdf) + b"--out\nContent-Type: message/rfc822\n\n" + inner
           + b"\n--out--\nepilogue\n")
    return raw.replace(b"\n", newline), pdf, png


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_large_base64_bodies_lifted_before_parsing_read_the_same(
    newline: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import base64

    from channels.email import rawparts

    raw, pdf, png = _big_mail(newline)
    smaller, lifted = rawparts.lift(raw)
    assert len(lifted) == 2 and len(smaller) < len(raw) // 10  # both attachments taken out
    fast = parse(raw)
    monkeypatch.setattr(rawparts, "LIFT_MIN", 10**12)
    slow = parse(raw)
    assert fast == slow
    names = {a.filename: a.data for a in fast.attachments}
    assert names["a.pdf"] == pdf and fast.text == "See the files."
    # The attached mail is kept as sent: its own attachment still base64, its line breaks kept.
    assert b"Inner text" in names["Inner.eml"]
    encoded = b"Content-Transfer-Encoding: base64" + newline * 2 + base64.b64encode(png)[:76]
    assert encoded in names["Inner.eml"]


def test_a_lifted_body_with_bad_padding_decodes_as_the_parser_would() -> None:
    from channels.email import rawparts

    assert rawparts.lifted_payload("!desk-lifted-0!\r\n", [b"QUJD\r\nREVG\r\nRw"]) == b"ABCDEFG"
    assert rawparts.lifted_payload("ordinary text", [b"QUJD"]) is None
