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
from pathlib import Path
from typing import Any, NamedTuple

import jieba
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"([{CJK}]+)|([^\W_]+(?:['’][^\W_]+)?)", re.UNICODE)
_IS_CJK = re.compile(rf"[{CJK}]")

EN_STOP_WORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in", "is",
        "it", "may", "of", "on", "or", "that", "the", "this", "to", "us", "we", "will", "with", "yet",
        "you", "your", "i", "me", "my", "mine", "our", "do", "does", "did", "how", "what", "why", "where",
        "when", "which", "who", "whom", "can't", "cant", "cannot", "don't", "dont", "doesn't", "doesnt",
        "didn't", "didnt", "isn't", "isnt", "won't", "wont", "im", "i'm", "ive", "i've", "would", "could",
        "should", "please", "help", "need", "want", "wanted", "like", "there", "any", "some", "so", "just",
        "about", "been", "was", "were", "am", "get", "got", "getting", "has", "had", "it's", "its", "they",
        "them", "their", "he", "she", "his", "her", "there's", "here",
    ]
)
ZH_STOP_WORDS = frozenset(
    [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "我", "我的", "你", "您", "你们", "我们", "在",
        "是", "怎么", "怎么办", "怎样", "如何", "为什么", "什么", "哪里", "哪儿", "哪", "能", "可以",
        "能不能", "一下", "请问", "有", "和", "与", "或", "这", "那", "这个", "那个", "个", "就",
        "都", "也", "还", "要", "想", "把", "被", "对", "了吗", "么", "该", "应该", "办",
    ]
)
STOP_WORDS = EN_STOP_WORDS | ZH_STOP_WORDS


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
            for word, start, end in cut(match.group(1)):
                found.append(Word(word, word, True, word in ZH_STOP_WORDS, base + start, base + end))
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
        segmenter = self.__dict__.get("_segmenter")
        if segmenter is None:
            segmenter = self.__dict__["_segmenter"] = segmenter_for(Path(self.cache_dir))
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
    """English words as typed (lower-cased, not stemmed): the vocabulary "did you mean" corrects against."""

    def __call__(
        self, value: str, positions: bool = False, chars: bool = False, **kwargs: Any
    ) -> Iterator[Token]:
        token = Token(positions, chars, **kwargs)
        for pos, match in enumerate(_LATIN_WORD.finditer(value.lower())):
            token.text = match.group(0)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = match.start(), match.end()
            yield token
