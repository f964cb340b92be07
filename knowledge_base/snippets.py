"""Highlighted snippets: a short, HTML-escaped window of an article with the matched words in <mark>.

Built from the stored plain text without re-running jieba, so it stays cheap for every hit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from knowledge_base.analysis import CJK, is_cjk, stem_word

_WORD = re.compile(rf"[^\W_{CJK}]+", re.UNICODE)
SCAN_CHARS = 20_000


def spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the index terms occur in ``text``, as non-overlapping (start, end), in order."""
    latin = {t for t in terms if not is_cjk(t)}
    # Single Chinese characters are too common to be worth marking.
    cjk = sorted((t for t in terms if is_cjk(t) and len(t) > 1), key=len, reverse=True)
    text = text[:SCAN_CHARS]
    found: list[tuple[int, int]] = []
    if latin:
        lowered = text.lower()
        found += [(m.start(), m.end()) for m in _WORD.finditer(lowered) if stem_word(m.group(0)) in latin]
    for word in cjk:
        start = text.find(word)
        while start >= 0:
            found.append((start, start + len(word)))
            start = text.find(word, start + len(word))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end))
    return merged


def snippet(text: str, terms: Iterable[str], width: int = 160) -> str:
    """The window of about ``width`` characters with the most matches, escaped, matches in <mark>."""
    found = spans(text, terms)[:200]
    start = 0
    if found:
        best = max(range(len(found)), key=lambda i: sum(1 for s, _ in found[i:] if s < found[i][0] + width))
        start = max(0, found[best][0] - width // 5)
        while start > 0 and start > found[best][0] - width // 2 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    parts: list[str] = ["…"] if start > 0 else []
    cursor = start
    for s, e in found:
        if s < start or e > end:
            continue
        parts.append(html.escape(text[cursor:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts).replace("\n", " ")
