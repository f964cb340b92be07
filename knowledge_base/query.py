"""Turns what a person typed into a Whoosh query, never through Whoosh's query parser.

Every word becomes plain terms, so ``title:``, ``*``, ``AND``, quotes and brackets are only words.
Synonym groups widen the query, misspelt English words are expanded with the index's own vocabulary,
and the clauses are OR-ed with a bonus for documents matching more of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq

from knowledge_base.analysis import Word, is_cjk, stem_word, words
from knowledge_base.synonyms import Match, SynonymMatcher

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
SYNONYM_BOOST = 0.8
CORRECTION_BOOST = 0.7
SINGLE_HAN_BOOST = 0.5
MAX_CORRECTED = 4
"""Words of one query looked up for corrections: a long question's many words the articles do not use
would each cost a few milliseconds, and a customer rarely misspells more than a few."""
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_LENGTH = 24

Corrector = Callable[[str], list[str]]


@dataclass
class BuiltQuery:
    query: wq.Query | None
    did_you_mean: str | None = None
    terms: set[str] = field(default_factory=set)


class Either(wq.Or):  # type: ignore[misc]
    """OR through a tree of union matchers. Whoosh's default preloads an array as large as the index
    for every clause on small indexes, which costs more than the search itself."""

    matcher_type = wq.Or.DEFAULT_MATCHER


class Best(wq.DisjunctionMax):  # type: ignore[misc]
    """Alternatives for one thing the person said (a synonym group's members, a word and its
    corrections): a document scores by the best alternative it contains, not their sum, so a
    concept with many members weighs no more than one the person wrote in one word."""


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)[:MAX_QUERY_CHARS].lower()


def term(text: str, boost: float = 1.0) -> wq.Query:
    """One index term (title, tags and body share one field; title words weigh more there)."""
    return wq.Term("text", text, boost=boost)


def _all_of(member: list[Word], boost: float) -> wq.Query | None:
    kept = [w for w in member if not w.stop] or member
    if not kept:
        return None
    if len(kept) == 1:
        return term(kept[0].text, boost)
    return wq.And([term(w.text, boost) for w in kept])


def _synonym_clause(match: Match, matcher: SynonymMatcher, said: str, terms: set[str],
                    chinese: bool, latin: bool) -> wq.Query | None:
    """A group may mix "login" and "登录": a query with Chinese in it (``chinese``) searches the
    Chinese members too, so "login 不了" meets the Chinese article; one without searches the others
    only (English articles use no Chinese). A query without an English word (``latin``; a stop word
    does not count) searches the single English words (Chinese articles say App, API) but no
    English phrases."""
    alternatives: list[wq.Query] = []
    for member in match.group:
        if is_cjk(member):
            if not chinese:
                continue
        elif not latin and " " in member:  # 登不上 searches "locked", not "can't log in"
            continue
        # Members are matched whole: the long word as indexed, not also its pieces.
        analysed = _longest_cover(words(matcher.segmenter, member))
        terms.update(w.text for w in analysed if not w.stop)
        clause = _all_of(analysed, 1.0 if member == said else SYNONYM_BOOST)
        if clause is not None:
            alternatives.append(clause)
    return Best(alternatives) if alternatives else None


def _longest_cover(analysed: list[Word]) -> list[Word]:
    """From search-mode output (long words and their pieces), keep words not inside a longer one."""
    return [w for w in analysed if not any(o is not w and o.start <= w.start and w.end <= o.end
                                           and (o.end - o.start) > (w.end - w.start) for o in analysed)]


def _word_clause(word: Word, correct: Corrector, fixes: dict[str, str], terms: set[str]) -> wq.Query:
    # One Chinese character alone (版, 钱) means many things: it weighs less than a word.
    clause = term(word.text, SINGLE_HAN_BOOST if word.cjk and len(word.text) == 1 else 1.0)
    typed = word.surface
    if word.cjk or not FUZZY_MIN_LENGTH <= len(typed) <= FUZZY_MAX_LENGTH or not typed.isalpha():
        return clause
    suggestions = correct(word.surface)
    if not suggestions:
        return clause
    fixes[word.surface] = suggestions[0]
    stems = [stem_word(s) for s in suggestions[:3]]
    terms.update(stems)
    return Best([clause, *(term(s, CORRECTION_BOOST) for s in stems)])


def _budget(correct: Corrector, calls: int) -> Corrector:
    """``correct`` for the first ``calls`` words it is asked about, nothing after."""
    asked = 0

    def limited(word: str) -> list[str]:
        nonlocal asked
        asked += 1
        return correct(word) if asked <= calls else []

    return limited


def build_query(text: str, matcher: SynonymMatcher, correct: Corrector) -> BuiltQuery:
    """The query for ``text``; ``correct`` returns known words close to an unknown one (empty if known)."""
    said = normalise(text)
    rest, cjk_matches = matcher.cut_chinese(said)
    analysed = words(matcher.segmenter, rest)
    latin_matches, used = matcher.match_latin(analysed)
    built = BuiltQuery(None)
    clauses: list[wq.Query] = []
    chinese = is_cjk(said)
    latin = bool(latin_matches) or any(not w.cjk and not w.stop for w in analysed)
    for match in cjk_matches + latin_matches:
        clause = _synonym_clause(match, matcher, said[match.start : match.end].strip(), built.terms,
                                 chinese, latin)
        if clause is not None:
            clauses.append(clause)
    fixes: dict[str, str] = {}
    correct = _budget(correct, MAX_CORRECTED)
    seen: set[str] = set()
    for index, word in enumerate(analysed):
        if index in used or word.stop or word.text in seen:
            continue
        seen.add(word.text)
        built.terms.add(word.text)
        clauses.append(_word_clause(word, correct, fixes, built.terms))
    clauses = clauses[:MAX_CLAUSES]
    if clauses:
        built.query = clauses[0] if len(clauses) == 1 else Either(clauses)
    if fixes:
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in fixes) + r")\b")
        built.did_you_mean = pattern.sub(lambda m: fixes[m.group(0)], said).strip()
    return built
