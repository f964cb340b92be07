"""Synonym groups, applied at query time: a query naming one member also searches for the others.

The list is plain text an admin can edit: one group per line, members separated by commas (ASCII or
Chinese), ``#`` starts a comment. Chinese members are matched as substrings of the query, English
members as sequences of stemmed words, so "refunds" finds the group of "refund".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.analysis import Segmenter, Word, is_cjk, words

SHIPPED = Path(__file__).with_name("synonyms.txt")
_SPLIT = re.compile(r"[,，、]")


@dataclass(frozen=True)
class SynonymList:
    groups: tuple[tuple[str, ...], ...]


def parse_synonyms(text: str) -> SynonymList:
    """Groups from the text of a list; blank lines, comments and one-member groups are skipped."""
    groups: list[tuple[str, ...]] = []
    for line in text.splitlines():
        members = tuple(dict.fromkeys(m.strip().lower() for m in _SPLIT.split(line.split("#", 1)[0])))
        members = tuple(m for m in members if m)
        if len(members) > 1:
            groups.append(members)
    return SynonymList(tuple(groups))


def load_synonyms(path: Path = SHIPPED) -> SynonymList:
    """Read an admin-edited list (UTF-8); the shipped list when no path is given."""
    return parse_synonyms(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Match:
    group: tuple[str, ...]
    start: int
    end: int


class SynonymMatcher:
    """Finds the groups a query mentions. Build once per list and segmenter; matching is cheap."""

    def __init__(self, synonyms: SynonymList, segmenter: Segmenter) -> None:
        self.segmenter = segmenter
        self.groups = synonyms.groups
        self._cjk: dict[str, int] = {}
        self._latin: dict[tuple[str, ...], int] = {}
        for index, group in enumerate(synonyms.groups):
            for member in group:
                if is_cjk(member):
                    self._cjk.setdefault(member, index)
                else:
                    key = tuple(w.text for w in words(segmenter, member))
                    if key:
                        self._latin.setdefault(key, index)
        self._cjk_longest_first = sorted(self._cjk, key=len, reverse=True)
        self._longest_latin = max((len(k) for k in self._latin), default=0)

    def cut_chinese(self, text: str) -> tuple[str, list[Match]]:
        """Chinese members found in ``text``, and the text with them blanked out (same length)."""
        found: list[Match] = []
        if not is_cjk(text):
            return text, found
        chars = list(text)
        for member in self._cjk_longest_first:
            start = text.find(member)
            while start >= 0:
                if all(c != "\0" for c in chars[start : start + len(member)]):
                    found.append(Match(self.groups[self._cjk[member]], start, start + len(member)))
                    chars[start : start + len(member)] = "\0" * len(member)
                start = text.find(member, start + 1)
        return "".join(" " if c == "\0" else c for c in chars), found

    def match_latin(self, analysed: list[Word]) -> tuple[list[Match], set[int]]:
        """English members found in a run of analysed words (longest first); indices of words used."""
        found: list[Match] = []
        used: set[int] = set()
        i = 0
        while i < len(analysed):
            for size in range(min(self._longest_latin, len(analysed) - i), 0, -1):
                window = analysed[i : i + size]
                if any(w.cjk for w in window):
                    continue
                index = self._latin.get(tuple(w.text for w in window))
                if index is not None:
                    found.append(Match(self.groups[index], window[0].start, window[-1].end))
                    used.update(range(i, i + size))
                    i += size
                    break
            else:
                i += 1
        return found, used
