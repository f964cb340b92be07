"""The words of ticket search: how text becomes index words, how a query becomes phrases,
and how the words found are marked in text. Pure: no database.

Both databases index words this module made, so they find the same tickets: SQLite's FTS5
(tokenizer ``ascii``, which splits only on ASCII punctuation and spaces) and PostgreSQL's
``to_tsvector('simple', ...)`` each read a string of words joined by spaces. The text is
NFKC-normalised (full-width letters and digits become ASCII) and case-folded; Latin and
other spaced scripts give whole words (accents dropped, at most MAX_WORD characters);
Chinese, Japanese and Korean runs give overlapping bigrams followed by each character
(打印机 → 打印 印机 打 印 机), so any two or more characters of a word are found as a
phrase of bigrams and a single character as itself. No dictionary (jieba) runs at intake.

A query never reaches FTS or tsquery syntax as typed: it becomes phrases of these words
(quoted for FTS5, ``phraseto_tsquery`` for PostgreSQL), so ``" OR 1=1 --``, ``NEAR(``,
``*`` or unbalanced quotes are only words, or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_WORD = 32  # longer words are cut: tokens of base64 or URLs are not worth more
MAX_WORDS = 8000  # per text (a message, a subject): bounds the index row of a long mail
MAX_QUERY = 1000  # characters of a query read; a 10 KB query is read up to here
MAX_PHRASES = 12
SUBJECT_CHARS = 300  # what of a subject a ticket keeps (and the index reads)
_RUN = re.compile(r"[^\W_]+")
_MARK = "mark"


# The letters and digits _is_cjk holds for (U+2E80 and up, East Asian width W or F), as
# ranges: the index's split runs in one regular expression rather than character by
# character. tests/desk/test_search_words.py checks the table against unicodedata.
CJK_WORD_RANGES: tuple[tuple[int, int], ...] = (
    (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x3038, 0x303C), (0x3041, 0x3096),
    (0x309D, 0x309F), (0x30A1, 0x30FA), (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E),
    (0x3192, 0x3195), (0x31A0, 0x31BF), (0x31F0, 0x31FF), (0x3220, 0x3229), (0x3251, 0x325F),
    (0x3280, 0x3289), (0x32B1, 0x32BF), (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA960, 0xA97C),
    (0xAC00, 0xD7A3), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0xFF10, 0xFF19), (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A), (0x16FE0, 0x16FE1), (0x16FE3, 0x16FE3), (0x17000, 0x187F7),
    (0x18800, 0x18CD5), (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB),
    (0x1AFFD, 0x1AFFE), (0x1B000, 0x1B122), (0x1B150, 0x1B152), (0x1B164, 0x1B167),
    (0x1B170, 0x1B2FB), (0x20000, 0x2A6DF), (0x2A700, 0x2B738), (0x2B740, 0x2B81D),
    (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D), (0x30000, 0x3134A),
)
_CJK_CLASS = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in CJK_WORD_RANGES)
# A run of CJK letters (group 1), or of other letters and digits (group 2).
_SPLIT = re.compile(f"([{_CJK_CLASS}]+)|([^\\W_{_CJK_CLASS}]+)")
# A word of folded (lower-case) ASCII text cut to MAX_WORD characters: [^\W_] there is
# [a-z0-9], which the engine tests faster than the Unicode classes.
_ASCII_WORD = re.compile(f"([a-z0-9]{{1,{MAX_WORD}}})[a-z0-9]*")


def _is_cjk(char: str) -> bool:
    return char >= "\u2e80" and unicodedata.east_asian_width(char) in ("W", "F")


def fold(text: str) -> str:
    """Width- and case-folded: the form every word is compared in."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def _plain(word: str) -> str:
    """A Latin (or other spaced-script) word without accents, cut to MAX_WORD."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", "".join(
            c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)))
    return word[:MAX_WORD]


def _pieces(run: str) -> list[tuple[bool, str]]:
    """A run of letters and digits cut where it changes between CJK and other scripts."""
    if run.isascii():
        return [(False, run)]
    return [(True, cjk) if cjk else (False, other) for cjk, other in _SPLIT.findall(run)]


def _bigrams(chars: str) -> list[str]:
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


def message_words(subject: str, text: str) -> tuple[str, str]:
    """The index words of a message's subject (as a ticket keeps it: SUBJECT_CHARS) and text."""
    return index_words(subject[:SUBJECT_CHARS]), index_words(text)


def index_words(text: str) -> str:
    """The words of ``text`` for the index, joined by spaces (at most MAX_WORDS)."""
    folded = fold(text)
    if folded.isascii():  # most mail: a word per run, nothing to cut apart or strip
        return " ".join(_ASCII_WORD.findall(folded)[:MAX_WORDS])
    words: list[str] = []
    for cjk, other in _SPLIT.findall(folded):
        if other:
            words.append(other[:MAX_WORD] if other.isascii() else _plain(other))
        elif len(cjk) == 1:
            words.append(cjk)
        else:
            words += _bigrams(cjk)
            words += cjk
        if len(words) >= MAX_WORDS:
            break
    return " ".join(words[:MAX_WORDS])


@dataclass(frozen=True)
class Query:
    """What a search asks for: every phrase must be in the ticket (words in a row).

    ``latin``: the whole words to mark; ``cjk``: the Chinese strings to mark."""

    phrases: tuple[tuple[str, ...], ...]
    latin: frozenset[str]
    cjk: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def fts5(self) -> str:
        """The FTS5 MATCH expression: quoted phrases, ANDed (words are only letters and
        digits, so nothing inside the quotes is syntax)."""
        return " AND ".join('"' + " ".join(p) + '"' for p in self.phrases)

    def texts(self) -> list[str]:
        """Each phrase as the words PostgreSQL's phraseto_tsquery reads."""
        return [" ".join(p) for p in self.phrases]


def parse_query(raw: str) -> Query:
    """The phrases of a query typed by anyone. Latin words joined by punctuation
    (``ada@example.com``, ``ORD-1234``) are one phrase, other words each their own; a
    Chinese run is the phrase of its bigrams (one character: itself)."""
    phrases: list[tuple[str, ...]] = []
    latin: set[str] = set()
    cjk: list[str] = []
    for chunk in fold(raw[:MAX_QUERY]).split():
        joined: list[str] = []
        for run in _RUN.findall(chunk):
            for is_cjk, piece in _pieces(run):
                if not is_cjk:
                    joined.append(_plain(piece))
                    latin.add(_plain(piece))
                    continue
                if joined:
                    phrases.append(tuple(joined))
                    joined = []
                phrases.append((piece,) if len(piece) == 1 else tuple(_bigrams(piece)))
                cjk.append(piece)
        if joined:
            phrases.append(tuple(joined))
    unique = tuple(dict.fromkeys(phrases))[:MAX_PHRASES]
    return Query(unique, frozenset(latin), tuple(dict.fromkeys(cjk)))


def _spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Where ``text`` holds a word of the query, as (start, end) in ``text``."""
    return [span for spans in _run_spans(text, query) for span in spans]


def _run_spans(text: str, query: Query) -> Iterator[list[tuple[int, int]]]:
    """The spans of ``text``'s runs of letters and digits, a run at a time, in order (each
    run's merged; runs never touch): a caller may stop as soon as it has what it needs."""
    for match in _RUN.finditer(text):
        run = match.group()
        folded = fold(run)
        if len(folded) != len(run):  # a ligature or the like: mark the whole run or nothing
            found = any(w in folded for w in query.cjk) or any(
                _plain(p) in query.latin for c, p in _pieces(folded) if not c)
            if found:
                yield [match.span()]
            continue
        at = match.start()
        offset = 0
        spans: list[tuple[int, int]] = []
        for is_cjk, piece in _pieces(folded):
            if not is_cjk:
                if _plain(piece) in query.latin:
                    spans.append((at + offset, at + offset + len(piece)))
            else:
                for word in query.cjk:
                    start = piece.find(word)
                    while start >= 0:
                        spans.append((at + offset + start, at + offset + start + len(word)))
                        start = piece.find(word, start + len(word))
            offset += len(piece)
        if spans:
            yield _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(str(escape(text[last:start])))
        parts.append(f"<{_MARK}>{escape(text[start:end])}</{_MARK}>")
        last = end
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))  # noqa: S704 - every piece of text was escaped


def highlight(text: str, query: Query) -> Markup:
    """``text`` escaped, with the query's words in <mark>."""
    return _marked(text, _spans(text, query) if query else [])


def snippet(text: str, query: Query, width: int = 200) -> Markup | None:
    """About ``width`` characters of ``text`` around its first word of the query, marked;
    None when the query's words are not in it. Reads the text only as far as the window
    (a long message is not searched to its end for words that would not be shown)."""
    runs = _run_spans(text, query) if query else iter(())
    first_run = next(runs, None)
    if not first_run:
        return None
    first = first_run[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    window = text[start:end]
    inside = [(s - start, min(e, end) - start) for s, e in first_run if s < end]
    for spans in runs:
        if spans[0][0] >= end:
            break
        inside += [(s - start, min(e, end) - start) for s, e in spans if s < end]
    body = _marked(window, inside)
    return Markup("{}{}{}").format(Markup("… ") if start else "", body,
                                   Markup(" …") if end < len(text) else "")
