"""Analyzers for mixed English and Chinese text.

Latin words are lower-cased, stop-listed and Porter-stemmed; runs of Chinese characters are segmented
with a private jieba tokenizer. The index uses jieba's search mode, which also emits the shorter words
inside a long one, so an article saying 无法登录 is found by 登录.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from math import inf, log
from pathlib import Path
from typing import Any, NamedTuple

import jieba
from jieba import finalseg
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Frequency
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

from knowledge_base.stop_words import EN_STOP_WORDS, ZH_STOP_WORDS

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"([{CJK}]+)|([^\W_]+(?:['’][^\W_]+)?)", re.UNICODE)
_IS_CJK = re.compile(rf"[{CJK}]")
_JIEBA_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
"""jieba's ``re_han_default``: the characters its dictionary segmentation sees."""



def is_cjk(text: str) -> bool:
    return bool(_IS_CJK.search(text))


@lru_cache(maxsize=50_000)
def stem_word(word: str) -> str:
    return str(stem(word))


class Segmenter:
    """A private jieba tokenizer whose cache lives in the given folder, never in /tmp.

    Loading the dictionary takes about a second, so build one per process (``segmenter_for``)."""

    def __init__(self, cache_dir: Path) -> None:
        jieba.setLogLevel(logging.WARNING)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = str(cache_dir)
        self._jieba.cache_file = str(cache_dir / "jieba.cache")
        self._jieba.initialize()
        self._log_total = 0
        self._log_freq: dict[str, float] = {}

    def search_words(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Words with their offsets, long words preceded by the shorter words inside them.

        Words of three or more characters also yield their character pairs, so a query word jieba does
        not know (顺丰 in 顺丰速运) still meets the pairs ``index_words`` stores."""
        seen: set[tuple[int, int]] = set()
        for word, start, end in self._jieba.tokenize(text, mode="search"):
            if end - start >= 3:
                for i in range(start, end - 1):
                    if (i, i + 2) not in seen:
                        seen.add((i, i + 2))
                        yield text[i : i + 2], i, i + 2
            if (start, end) not in seen:
                seen.add((start, end))
                yield word, start, end

    def index_words(self, text: str) -> Iterator[tuple[str, int, int]]:
        """``search_words`` plus every pair of adjacent characters: jieba sometimes cuts across a
        name (可选顺|丰速运), and the pairs keep such words findable."""
        seen: set[tuple[int, int]] = set()
        for word, start, end in self.search_words(text):
            seen.add((start, end))
            yield word, start, end
        for i in range(len(text) - 1):
            if (i, i + 2) not in seen:
                yield text[i : i + 2], i, i + 2

    def index_terms(self, text: str) -> list[str]:
        """The texts of ``index_words(text)`` in another order, computed without the offsets.

        The spans ``index_words`` yields are: every adjacent pair, jieba's words (its two-character
        words are pairs already), and the dictionary words of three characters inside longer words
        (search mode's two-character pieces are pairs already). Indexing needs the terms only, and
        skipping the offset bookkeeping halves the analysis time of a Chinese article."""
        terms = [text[i : i + 2] for i in range(len(text) - 1)]
        known = self._jieba.FREQ
        for word in self.cut(text):
            width = len(word)
            if width != 2:
                terms.append(word)
            if width > 3:
                terms += [gram for gram in (word[i : i + 3] for i in range(width - 2)) if known.get(gram)]
        return terms

    def cut(self, text: str) -> list[str]:
        """Exactly jieba's ``cut(text)`` (accurate mode, HMM on) for a run of Chinese characters.

        jieba spends most of a build in its per-character DAG and route loops, recomputing a logarithm
        for every candidate word; this does the same arithmetic in one backward pass with the
        logarithms cached, about twice as fast."""
        words: list[str] = []
        for block in _JIEBA_HAN.split(text):
            if _JIEBA_HAN.fullmatch(block):
                words += self._cut_block(block)
            else:  # characters outside jieba's Han range come out one by one, as jieba gives them
                words += block
        return words

    def _cut_block(self, sentence: str) -> list[str]:
        known, total = self._jieba.FREQ, self._jieba.total
        if self._log_total != total:  # jieba's dictionary changed (add_word): the cache is stale
            self._log_total, self._log_freq = total, {}
        log_freq, log_total = self._log_freq, log(total)
        n = len(sentence)
        lookup, cached = known.get, log_freq.get
        scores = [0.0] * (n + 1)  # jieba's route: the best score from k on, and where its first word ends
        ends_at = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            best_score, best_end = -inf, -1
            i, frag = k, sentence[k]
            found = lookup(frag)
            while found is not None and i < n:
                if found:
                    weight = cached(frag)
                    if weight is None:
                        weight = log_freq[frag] = log(found) - log_total
                    score = weight + scores[i + 1]
                    if score > best_score or (score == best_score and i > best_end):
                        best_score, best_end = score, i
                i += 1
                frag = sentence[k : i + 1]
                found = lookup(frag) if i < n else None
            if best_end < 0:  # no dictionary word starts here: jieba takes the single character
                word = sentence[k]
                weight = cached(word)
                if weight is None:
                    weight = log_freq[word] = log(known.get(word) or 1) - log_total
                best_score, best_end = weight + scores[k + 1], k
            scores[k], ends_at[k] = best_score, best_end
        words: list[str] = []
        buf = ""
        x = 0
        while x < n:
            y = ends_at[x] + 1
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    words += self._unknown(buf)
                    buf = ""
                words.append(sentence[x:y])
            x = y
        if buf:
            words += self._unknown(buf)
        return words

    def _unknown(self, buf: str) -> list[str]:
        """Single characters jieba's route left: its HMM guesses words in them, as ``jieba.cut`` does."""
        if len(buf) == 1:
            return [buf]
        if not self._jieba.FREQ.get(buf):
            return list(finalseg.cut(buf))
        return list(buf)

    def words(self, text: str) -> list[str]:
        """The best single segmentation."""
        return list(self._jieba.cut(text))


_segmenters: dict[Path, Segmenter] = {}
_segmenters_lock = threading.Lock()


def segmenter_for(cache_dir: Path) -> Segmenter:
    """The process's segmenter for this cache folder (built on first use)."""
    key = cache_dir.resolve()
    with _segmenters_lock:
        if key not in _segmenters:
            _segmenters[key] = Segmenter(key)
        return _segmenters[key]


class Word(NamedTuple):
    """One analysed word: ``text`` as indexed (stemmed), ``surface`` as written."""

    text: str
    surface: str
    cjk: bool
    stop: bool
    start: int
    end: int


def words(segmenter: Segmenter, text: str) -> list[Word]:
    """Analyse query text into words, keeping stop words flagged (synonym phrases may contain them)."""
    return _analyse(segmenter, text, for_index=False)


def index_words(segmenter: Segmenter, text: str) -> list[Word]:
    """Analyse article text: like ``words``, with every pair of adjacent Chinese characters as well."""
    return _analyse(segmenter, text, for_index=True)


def _analyse(segmenter: Segmenter, text: str, for_index: bool) -> list[Word]:
    cut = segmenter.index_words if for_index else segmenter.search_words
    found: list[Word] = []
    for match in _PIECES.finditer(text):
        if match.group(1):
            base = match.start()
            pieces = list(cut(match.group(1)))
            # In a query, the pieces of a stop word are stop words too: 么办 of 怎么办 says nothing
            # either (the index keeps every pair, as ``term_weights`` does).
            stops = [] if for_index else [(a, b) for word, a, b in pieces if word in ZH_STOP_WORDS]
            for word, start, end in pieces:
                stop = word in ZH_STOP_WORDS or any(a <= start and end <= b for a, b in stops)
                found.append(Word(word, word, True, stop, base + start, base + end))
        else:
            surface = match.group(2).lower().replace("’", "'")
            found.append(
                Word(stem_word(surface), surface, False, surface in EN_STOP_WORDS, match.start(), match.end())
            )
    return found


SECTION = "\x1e"
"""Separates the sections of one indexed value; words of section n weigh ``SECTION_WEIGHTS[n]``."""
SECTION_WEIGHTS = (3.0, 2.0, 1.0)


def sections(*parts: str) -> str:
    """One value for the ``text`` field from weighted parts (title, tags, body)."""
    return SECTION.join(part.replace(SECTION, " ") for part in parts)


def term_weights(segmenter: Segmenter, value: str) -> dict[str, list[float]]:
    """Each index term of a ``sections`` value (stop words dropped) with [frequency, weight]: what
    ``MixedTokenizer`` yields, counted without a Token per word."""
    counts: dict[str, list[float]] = {}
    for weight, part in zip(_weights(), value.split(SECTION), strict=False):
        terms: list[str] = []
        for cjk, latin in _PIECES.findall(part):
            if cjk:
                terms += [t for t in segmenter.index_terms(cjk) if t not in ZH_STOP_WORDS]
            else:
                surface = latin.lower().replace("’", "'")
                if surface not in EN_STOP_WORDS:
                    terms.append(stem_word(surface))
        for t in terms:
            found = counts.get(t)
            if found is None:
                counts[t] = [1, weight]
            else:
                found[0] += 1
                found[1] += weight
    return counts


def _weights() -> Iterator[float]:
    yield from SECTION_WEIGHTS
    while True:
        yield SECTION_WEIGHTS[-1]


class SectionFrequency(Frequency):  # type: ignore[misc]
    """Whoosh's ``Frequency`` format, fed by ``term_weights`` when the analyzer is a ``MixedTokenizer``.

    Postings are byte for byte what ``Frequency`` writes; only the counting is faster."""

    def word_values(
        self, value: Any, analyzer: Any, **kwargs: Any
    ) -> Iterator[tuple[str, int, float, bytes]]:
        if not isinstance(analyzer, MixedTokenizer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for text, (freq, weight) in term_weights(analyzer.segmenter(), value).items():
            yield text, int(freq), weight * boost, pack_uint(int(freq))


def _section_bounds(value: str) -> list[int]:
    return [i for i, c in enumerate(value) if c == SECTION] if SECTION in value else []


class MixedTokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh tokenizer for a field mixing English and Chinese; yields final index terms.

    One field holds title, tags and body (see ``sections``), so a query term needs one posting list,
    not three; title words weigh more through their token boost."""

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir

    def __getstate__(self) -> dict[str, Any]:
        return {"cache_dir": self.cache_dir}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MixedTokenizer) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(self.cache_dir)

    def segmenter(self) -> Segmenter:
        found = self.__dict__.get("_segmenter")
        if found is None:
            found = self.__dict__["_segmenter"] = segmenter_for(Path(self.cache_dir))
        return found  # type: ignore[no-any-return]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        segmenter = self.segmenter()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        bounds = _section_bounds(value)
        for word in index_words(segmenter, value):
            if word.stop and removestops:
                continue
            token.text = word.text
            token.original = word.surface
            token.stopped = word.stop
            token.boost = SECTION_WEIGHTS[min(bisect.bisect(bounds, word.start), len(SECTION_WEIGHTS) - 1)]
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            pos += 1
            yield token


_LATIN_WORD = re.compile(r"[a-z]{3,}")


class SpellingTokenizer(Tokenizer):  # type: ignore[misc]
    """English words as typed (lower-cased, not stemmed): the vocabulary "did you mean" corrects against.

    Each word once per document: corrections rank by how many articles use a word, and repeats only
    cost postings work at build time."""

    def __call__(
        self, value: str, positions: bool = False, chars: bool = False, **kwargs: Any
    ) -> Iterator[Token]:
        token = Token(positions, chars, **kwargs)
        seen: set[str] = set()
        for pos, match in enumerate(_LATIN_WORD.finditer(value.lower())):
            if match.group(0) in seen:
                continue
            seen.add(match.group(0))
            token.text = match.group(0)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = match.start(), match.end()
            yield token
