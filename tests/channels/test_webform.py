"""The web form's validation, as a pure function."""

from __future__ import annotations

from channels.message import InboundAttachment
from channels.webform import Limits, validate_request

LIMITS = Limits(max_attachment_bytes=100, max_attachments=2)
GOOD = {"name": "王小明", "email": "WangXM@Example.cn", "subject": "发票", "message": "请开发票"}


def test_valid_submission_becomes_an_inbound_message() -> None:
    result = validate_request(GOOD, [InboundAttachment("a.txt", "text/plain", b"x")], LIMITS,
                              locale="zh_CN")
    assert result.errors == {}
    assert result.message is not None
    assert result.message.sender.value == "wangxm@example.cn"
    assert result.message.channel == "web" and result.message.locale == "zh_CN"
    assert [a.filename for a in result.message.attachments] == ["a.txt"]


def test_every_missing_field_is_named() -> None:
    result = validate_request({}, [], LIMITS)
    assert result.message is None
    assert result.errors == {"name": "required", "email": "required", "subject": "required",
                             "message": "required"}


def test_control_characters_are_dropped_and_whitespace_only_is_empty() -> None:
    result = validate_request({**GOOD, "subject": " \x00\x07 ", "name": "A\x00B"}, [], LIMITS)
    assert result.errors == {"subject": "required"}
    assert result.values["name"] == "AB"


def test_bad_email_too_many_and_too_large_files() -> None:
    files = [InboundAttachment(f"{i}.bin", "application/octet-stream", b"") for i in range(3)]
    result = validate_request({**GOOD, "email": "no at sign"}, files, LIMITS)
    assert result.errors == {"email": "invalid_email", "attachments": "too_many_files"}
    result = validate_request(GOOD, [], LIMITS, oversize_files=["big.iso"])
    assert result.errors == {"attachments": "file_too_large"}


def test_honeypot_marks_spam_without_errors() -> None:
    result = validate_request({**GOOD, "website": "http://spam"}, [], LIMITS)
    assert result.is_spam and result.message is None and result.errors == {}


def test_addresses_a_mail_header_or_browser_could_misread_are_refused_with_input_kept() -> None:
    for address in ("javascript:alert(1)//xss@example.com", "a@example.com\nBcc: b@example.com",
                    '"quoted"@example.com', "a@example", "a..b@example.com"):
        result = validate_request({**GOOD, "email": address}, [], LIMITS)
        assert result.message is None and result.errors["email"] == "invalid_email", address
        assert result.values["email"] == address.strip()
    for address in ("o'brien+desk@mail.example.co.uk", "王小明@例子.中国", "wang.xm@163.com"):
        assert validate_request({**GOOD, "email": address}, [], LIMITS).message is not None, address
