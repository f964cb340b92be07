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
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_WORD = 32  # longer words are cut: tokens of base64 or URLs are not worth more
MAX_WORDS = 8000  # per text (a message, a subject): bounds the index row of a long mail
MAX_QUERY = 1000  # characters of a query read; a 10 KB query is read up to here
MAX_PHRASES = 12
_RUN = re.compile(r"[^\W_]+")
_MARK = "mark"


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
    pieces: list[tuple[bool, str]] = []
    start = 0
    kind = _is_cjk(run[0])
    for i in range(1, len(run)):
        now = _is_cjk(run[i])
        if now != kind:
            pieces.append((kind, run[start:i]))
            start, kind = i, now
    pieces.append((kind, run[start:]))
    return pieces


def _bigrams(chars: str) -> list[str]:
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


def index_words(text: str) -> str:
    """The words of ``text`` for the index, joined by spaces (at most MAX_WORDS)."""
    folded = fold(text)
    if folded.isascii():  # most mail: a word per run, nothing to cut apart or strip
        return " ".join(run[:MAX_WORD] for run in _RUN.findall(folded)[:MAX_WORDS])
    words: list[str] = []
    for run in _RUN.findall(folded):
        if run.isascii():
            words.append(run[:MAX_WORD])
        else:
            for cjk, piece in _pieces(run):
                if not cjk:
                    words.append(_plain(piece))
                elif len(piece) == 1:
                    words.append(piece)
                else:
                    words += _bigrams(piece)
                    words += piece
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
    spans: list[tuple[int, int]] = []
    for match in _RUN.finditer(text):
        run = match.group()
        folded = fold(run)
        if len(folded) != len(run):  # a ligature or the like: mark the whole run or nothing
            found = any(w in folded for w in query.cjk) or any(
                _plain(p) in query.latin for c, p in _pieces(folded) if not c)
            if found:
                spans.append(match.span())
            continue
        at = match.start()
        offset = 0
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
    return _merged(spans)


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
    None when the query's words are not in it."""
    spans = _spans(text, query) if query else []
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    window = text[start:end]
    inside = [(s - start, min(e, end) - start) for s, e in spans if s >= start and s < end]
    body = _marked(window, inside)
    return Markup("{}{}{}").format(Markup("… ") if start else "", body,
                                   Markup(" …") if end < len(text) else "")
