"""The parser against the generated corpus and its ground truth (../shared/bench)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from channels.email.classify import Drop, run_filters
from channels.email.filters import FILTERS
from channels.email.parse import parse
from channels.message import InboundMessage

# Beside the checkout, or where this workplace keeps it for clones made elsewhere.
BENCH = next(
    (p for p in (Path(__file__).resolve().parents[4] / "shared" / "bench",
                 Path("/work/shared/bench")) if (p / "corpus.py").exists()),
    Path("/work/shared/bench"),
)
N = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[bytes]]:
    if not (BENCH / "corpus.py").exists():
        pytest.skip("../shared/bench is not checked out next to the repository")
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(BENCH / "corpus.py"), "--seed", "1", "-n", str(N), "--out", str(out)],
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
        if (got.from_address, got.from_name) != (truth["sender"], truth["sender_name"]):
            wrong.append((truth["file"], f"from {got.from_name!r} <{got.from_address}>"))
        if got.message_id != truth["message_id"]:
            wrong.append((truth["file"], f"message-id {got.message_id!r}"))
        want = sorted((a["name"], a["size"]) for a in truth["attachments"])
        have = sorted((a.filename, len(a.data)) for a in got.attachments)
        if have != want:
            wrong.append((truth["file"], f"attachments {have} != {want}"))
        snippet = truth.get("body_snippet")
        if snippet and _norm(snippet) not in _norm(got.text):
            wrong.append((truth["file"], f"body snippet missing from {got.text[:80]!r}"))
        if "\ufffd" in got.full_text:
            wrong.append((truth["file"], "U+FFFD in text"))
        expected = "bounce" if truth["is_bounce"] else "autoreply" if truth["is_auto"] else "normal"
        if got.classification != expected:
            wrong.append((truth["file"], f"classified {got.classification}, expected {expected}"))
        if got.thread_hint != truth["tag"]:
            wrong.append((truth["file"], f"thread hint {got.thread_hint}"))
    assert wrong == []


def _filtered(message: InboundMessage) -> InboundMessage:
    result = run_filters(message, FILTERS)
    assert not isinstance(result, Drop), result
    return result
