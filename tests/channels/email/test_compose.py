"""The MIME message of an outbound mail, read back the way a mail client reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from channels.email.compose import MAX_REFERENCES, Sender, cap_references, compose, tagged_subject
from channels.message import InboundAttachment, OutboundMessage

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SUPPORT = Sender("support@desk.test", "Acme Support")


def _outgoing(**changes: object) -> OutboundMessage:
    values: dict[str, object] = dict(
        to_address="li@example.cn", from_address="support@desk.test",
        subject="Re: [#42] Printer broken", text="It is fixed.\n",
        message_id="<out1@desk.test>", in_reply_to="<c2@example.cn>",
        references=("<c1@example.cn>", "<ack1@desk.test>", "<c2@example.cn>"))
    values.update(changes)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def _received(message: EmailMessage) -> EmailMessage:
    """What the other side parses from the bytes on the wire."""
    raw = message.as_bytes()
    assert raw.isascii(), "headers and bodies leave 7-bit clean"
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text: str = body.get_content()
    return text.replace("\r\n", "\n")  # SMTP line ends on the wire


def test_reply_carries_threading_headers_and_reply_to_the_mailbox() -> None:
    mail = _received(compose(_outgoing(), 42, SUPPORT, date=WHEN, to_name="Li Lei"))
    assert mail["From"] == "Acme Support <support@desk.test>"
    assert mail["Reply-To"] == "Acme Support <support@desk.test>"
    assert mail["To"] == "Li Lei <li@example.cn>"
    assert mail["Subject"] == "Re: [#42] Printer broken"
    assert mail["Message-ID"] == "<out1@desk.test>"
    assert mail["In-Reply-To"] == "<c2@example.cn>"
    assert mail["References"].split() == ["<c1@example.cn>", "<ack1@desk.test>", "<c2@example.cn>"]
    assert mail["Date"] == "Sun, 01 Mar 2026 09:30:00 +0000"
    assert mail["Auto-Submitted"] is None  # a person wrote it
    assert _text(mail) == "It is fixed.\n"


def test_acknowledgement_says_it_was_automatic() -> None:
    mail = _received(compose(_outgoing(in_reply_to="", references=()), 42, SUPPORT,
                             date=WHEN, automatic=True))
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] is None and mail["References"] is None


def test_subject_gets_the_ticket_tag_once() -> None:
    assert tagged_subject("Printer broken", 7) == "[#7] Printer broken"
    assert tagged_subject("Re: [#7] Printer broken", 7) == "Re: [#7] Printer broken"
    assert tagged_subject("Re: Printer broken", 7) == "Re: [#7] Printer broken"
    assert tagged_subject("回复：打印机坏了", 7) == "回复：[#7] 打印机坏了"
    # Another ticket's tag is not ours.
    assert tagged_subject("About [#71]", 7) == "[#7] About [#71]"


def test_chinese_subject_names_body_and_filename_decode_on_the_other_side() -> None:
    outgoing = _outgoing(
        subject="回复：[#42] 打印机坏了", text="您好，打印机已修好。\n",
        attachments=(InboundAttachment("维修报告 三月.pdf", "application/pdf", b"%PDF-1.4 x"),))
    raw = compose(outgoing, 42, Sender("support@desk.test", "客服中心"), date=WHEN,
                  to_name="李雷").as_bytes()
    assert b"=?utf-8?" in raw  # RFC 2047 encoded words, no raw UTF-8 headers
    assert b"*=utf-8''" in raw  # RFC 2231 parameter (with continuations when long)
    mail = _received(compose(outgoing, 42, Sender("support@desk.test", "客服中心"), date=WHEN,
                             to_name="李雷"))
    assert mail["Subject"] == "回复：[#42] 打印机坏了"
    assert mail["From"] == "客服中心 <support@desk.test>"
    assert mail["To"] == "李雷 <li@example.cn>"
    assert _text(mail) == "您好，打印机已修好。\n"
    (attachment,) = list(mail.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "维修报告 三月.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 x"


def test_unknown_content_type_goes_as_octet_stream() -> None:
    mail = _received(compose(_outgoing(attachments=(InboundAttachment("x.bin", "", b"\x00\x01"),)),
                             42, SUPPORT, date=WHEN))
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/octet-stream"


def test_long_threads_keep_the_root_and_the_latest_references() -> None:
    ids = [f"<m{i}@x>" for i in range(60)]
    capped = cap_references([*ids, "<m3@x>", ""])
    assert len(capped) == MAX_REFERENCES
    assert capped[0] == "<m0@x>" and capped[-1] == "<m59@x>"
    mail = _received(compose(_outgoing(references=tuple(ids), in_reply_to="<m59@x>"), 42, SUPPORT,
                             date=WHEN))
    assert mail["References"].split() == capped
