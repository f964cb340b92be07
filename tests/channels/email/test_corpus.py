"""The parser against the generated corpus and its ground truth (../shared/bench)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from bench.corpus_path import SHARED_BENCH
from channels.email.classify import Drop, run_filters
from channels.email.filters import FILTERS
from channels.email.parse import parse
from channels.message import InboundMessage

N = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[bytes]]:
    if not (SHARED_BENCH / "corpus.py").exists():
        pytest.skip("../shared/bench is not checked out next to the repository")
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(SHARED_BENCH / "corpus.py"), "--seed", "1", "-n", str(N), "--out", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    # As benchlib.load_corpus, without its unclosed files (warnings are errors here).
    messages = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))["messages"]
    return messages, [(out / m["file"]).read_bytes() for m in messages]


def _norm(text: str) -> str:
    """Whitespace-insensitive, as benchlib scores body snippets."""
    return re.sub(r"\s+", " ", text).strip()


def test_every_corpus_message_reads_as_its_ground_truth(
    corpus: tuple[list[dict[str, Any]], list[bytes]],
) -> None:
    messages, raws = corpus
    wrong: list[tuple[str, str]] = []
    for truth, raw in zip(messages, raws, strict=True):
        got = _filtered(parse(raw))
        if got.subject != truth["subject"]:
            wrong.append((truth["file"], f"subject {got.subject!r}"))
        if (got.sender.value, got.sender.name) != (truth["sender"], truth["sender_name"]):
            wrong.append((truth["file"], f"from {got.sender.name!r} <{got.sender.value}>"))
        if got.thread.message_id != truth["message_id"]:
            wrong.append((truth["file"], f"message-id {got.thread.message_id!r}"))
        want = sorted((a["name"], a["size"]) for a in truth["attachments"])
        have = sorted((a.filename, len(a.data)) for a in got.attachments)
        if have != want:
            wrong.append((truth["file"], f"attachments {have} != {want}"))
        snippet = truth.get("body_snippet")
        if snippet and _norm(snippet) not in _norm(got.text):
            wrong.append((truth["file"], f"body snippet missing from {got.text[:80]!r}"))
        if "\ufffd" in got.email.full_text:
            wrong.append((truth["file"], "U+FFFD in text"))
        expected = "bounce" if truth["is_bounce"] else "autoreply" if truth["is_auto"] else "normal"
        if got.email.classification != expected:
            wrong.append((truth["file"], f"classified {got.email.classification}, expected {expected}"))
        if got.thread.ticket_number != truth["tag"]:
            wrong.append((truth["file"], f"thread hint {got.thread.ticket_number}"))
    assert wrong == []


def _filtered(message: InboundMessage) -> InboundMessage:
    result = run_filters(message, FILTERS)
    assert not isinstance(result, Drop), result
    return result
