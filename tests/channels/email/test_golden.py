"""Golden mail (Zammad style): every tests/fixtures/email/NNN-what.eml against its .json.

Keys of the .json: subject, from_address, from_name, text (the new text; or
text_prefix), full_text_contains, quoted_contains (the history kept for the page to
fold), text_excludes, attachments (name, size, and sha256 or content_id where given),
message_id (or message_id_suffix), in_reply_to, references, classification,
thread_hint, html_excludes, bounce_original, or error (the mail must raise ParseError);
language (the mailbox's language the mail is read with) and misread_without_language
(read without it, its subject comes out wrong: the language is what reads it right).
A bug report about a mail becomes one more pair.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from channels.email.classify import Drop, run_filters
from channels.email.filters import FILTERS
from channels.email.parse import ParseError, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
CASES = sorted(FIXTURES.glob("*.eml"))


def test_there_are_golden_mails() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_mail(path: Path) -> None:
    want: dict[str, Any] = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    raw = path.read_bytes()
    if "error" in want:
        with pytest.raises(ParseError, match=want["error"]):
            parse(raw)
        return
    result = run_filters(parse(raw, want.get("language", "")), FILTERS)
    assert not isinstance(result, Drop)
    got = result
    assert got.channel == "email"
    assert got.subject == want["subject"]
    assert (got.sender.value, got.sender.name) == (want["from_address"], want["from_name"])
    if "text" in want:
        assert got.text == want["text"]
    if "text_prefix" in want:
        assert got.text.startswith(want["text_prefix"])
    for fragment in want.get("text_excludes", []):
        assert fragment not in got.text
    if "full_text_contains" in want:
        assert want["full_text_contains"] in got.email.full_text
        assert want["full_text_contains"] not in got.text
    attachments = [{"name": a.filename, "size": len(a.data)} for a in got.attachments]
    expected = [{"name": a["name"], "size": a.get("size", len(b.data))}
                for a, b in zip(want["attachments"], got.attachments, strict=False)]  # fmt: skip
    assert attachments == expected and len(attachments) == len(want["attachments"])
    for wanted, attachment in zip(want["attachments"], got.attachments, strict=True):
        if "sha256" in wanted:
            assert hashlib.sha256(attachment.data).hexdigest() == wanted["sha256"]
        if "content_id" in wanted:
            assert attachment.content_id == wanted["content_id"]
    if "quoted_contains" in want:
        assert want["quoted_contains"] in got.quoted
    if "message_id_suffix" in want:
        assert got.thread.message_id.endswith(want["message_id_suffix"])
    else:
        assert got.thread.message_id == want["message_id"]
    assert got.thread.in_reply_to == want["in_reply_to"]
    if "references" in want:
        assert list(got.thread.references) == want["references"]
    assert got.email.classification == want["classification"]
    assert got.thread.ticket_number == want["thread_hint"]
    for fragment in want.get("html_excludes", []):
        assert fragment.lower() not in got.html.lower()
    if "bounce_original" in want:
        assert got.email.delivery_report is not None
        assert got.email.delivery_report.original_message_id == want["bounce_original"]
        assert got.email.delivery_report.recipients == tuple(want["bounce_recipients"])
    if "misread_without_language" in want:
        assert (parse(raw).subject != want["subject"]) is want["misread_without_language"]
