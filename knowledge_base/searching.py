"""Running a search on an open Whoosh searcher: filters, corrections, hits and snippets."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.spelling import ReaderCorrector

from knowledge_base.analysis import is_cjk
from knowledge_base.query import BuiltQuery, Corrector, Either, build_query, normalise
from knowledge_base.scoring import evaluate_bounded, impacts_for, top
from knowledge_base.snippets import snippet
from knowledge_base.synonyms import SynonymMatcher

MAX_LIMIT = 50
LANGUAGE_BOOST = 2.0
"""With no locale asked for, articles in the query's own language (by its script: any Chinese
character makes a query Chinese, "iPhone 上 app 登不上" included) score this many times more."""
_UNFINISHED = re.compile(r"([a-z]{2,})$")


CONFIDENT = 0.5
"""The ``confidence`` from which a top hit is offered on its own (the chat widget's suggestion). On the
customers' relevance set (bench/kb_relevance_customers.py, 321 answerable and 40 unanswerable
questions, the 70 demo articles): 87% of the top hits shown are right, 74% of the right top hits
are shown, 27.5% of the unanswerable questions still get one (0.55: 92%, 65%, 5%)."""


class IndexUnavailable(Exception):
    """The index is missing or damaged: rebuild it (``KbIndex.rebuild``)."""


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    slug: str
    locale: str
    category: str
    score: float
    snippet: str = ""
    """HTML: the article text escaped, matched words wrapped in <mark>."""
    confidence: float = 0.0
    """How much of the query the article answers, 0 to 1: its score (before the language
    preference) over what an article matching everything the query says at its best would score."""

    @property
    def confident(self) -> bool:
        """Sure enough to offer on its own (the chat widget's suggestion): see ``CONFIDENT``."""
        return self.confidence >= CONFIDENT


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    """Matching articles; for very common words, only the documents where they weigh most count."""
    did_you_mean: str | None = None


_correctors: weakref.WeakKeyDictionary[Searcher, Corrector] = weakref.WeakKeyDictionary()
CACHED_CORRECTIONS = 4096


def corrector_for(searcher: Searcher) -> Corrector:
    """Known words close to an unknown English word, most frequent first; nothing for a known word.

    One per searcher, remembering its answers: looking a word up costs milliseconds, and the same
    words (and misspellings) come back all day."""
    found = _correctors.get(searcher)
    if found is not None:
        return found
    reader = searcher.reader()
    corrector = ReaderCorrector(reader, "spell", searcher.schema["spell"])
    memo: dict[str, list[str]] = {}

    def correct(word: str) -> list[str]:
        known = memo.get(word)
        if known is not None:
            return known
        if reader.doc_frequency("spell", word) > 0:
            found = []
        else:
            found = corrector.suggest(word, limit=3, maxdist=1, prefix=1)
            if not found and len(word) >= 5:
                found = corrector.suggest(word, limit=3, maxdist=2, prefix=1)
        if len(memo) >= CACHED_CORRECTIONS:
            memo.clear()
        memo[word] = found
        return found

    _correctors[searcher] = correct
    return correct


_filter_cache: weakref.WeakKeyDictionary[Searcher, dict[tuple[str | None, str | None, bool], set[int] | None]]
_filter_cache = weakref.WeakKeyDictionary()


def _filter(searcher: Searcher, locale: str | None, category: str | None,
            include_internal: bool) -> set[int] | None:
    """Document numbers allowed by the filters, computed once per searcher (they change only on write)."""
    key = (locale, category, include_internal)
    cached = _filter_cache.setdefault(searcher, {})
    if key not in cached:
        terms: list[wq.Query] = []
        if locale:
            terms.append(wq.Term("locale", locale))
        if category:
            terms.append(wq.Term("category", category))
        if not include_internal:
            terms.append(wq.Term("visibility", "public"))
        cached[key] = set(searcher.docs_for_query(wq.And(terms))) if terms else None
    return cached[key]


def query_locale(text: str) -> str:
    """The language a query is written in, by its script: Chinese if it has any Chinese character."""
    return "zh-CN" if is_cjk(text) else "en"


def _preferred(searcher: Searcher, locale: str | None, text: str) -> set[int] | None:
    """With no locale filter, the documents in the query's language (none to prefer otherwise)."""
    if locale:
        return None
    return _filter(searcher, query_locale(text), None, True)


def _execute(searcher: Searcher, built: BuiltQuery, allowed: set[int] | None, limit: int,
             snippets: bool, preferred: set[int] | None = None) -> SearchResults:
    if built.query is None:
        return SearchResults(did_you_mean=built.did_you_mean)
    try:
        limit = max(1, min(limit, MAX_LIMIT))
        raw, bound = evaluate_bounded(built.query, impacts_for(searcher))
        best, total = top(raw, allowed, limit, preferred, LANGUAGE_BOOST)
        hits = []
        for score, docnum in best:
            stored = searcher.stored_fields(docnum)
            hits.append(Hit(
                id=int(stored["id"]),
                title=stored["title"],
                slug=stored["slug"],
                locale=stored["locale"],
                category=stored["category"],
                score=round(score, 4),
                snippet=snippet(stored["body"], built.terms) if snippets else "",
                confidence=round(min(1.0, raw[docnum] / bound), 4) if bound > 0 else 0.0,
            ))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as error:
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error
    return SearchResults(hits, total, built.did_you_mean)


def run_search(searcher: Searcher, matcher: SynonymMatcher, text: str, locale: str | None,
               category: str | None, include_internal: bool, limit: int) -> SearchResults:
    built = build_query(text, matcher, corrector_for(searcher))
    allowed = _filter(searcher, locale, category, include_internal)
    return _execute(searcher, built, allowed, limit, snippets=True,
                    preferred=_preferred(searcher, locale, text))


def run_suggest(searcher: Searcher, matcher: SynonymMatcher, text: str, locale: str | None,
                include_internal: bool, limit: int) -> SearchResults:
    said = normalise(text)
    unfinished = _UNFINISHED.search(said) if said and not said[-1].isspace() else None
    built = build_query(said, matcher, corrector_for(searcher))
    if unfinished:
        prefix = wq.Prefix("text", unfinished.group(1), boost=0.5)
        if built.query is None:
            built.query = prefix
        else:  # one more clause beside the others (not around them), so the confidence counts it once
            said_before = built.query.subqueries if isinstance(built.query, Either) else [built.query]
            built.query = Either([*said_before, prefix])
        built.terms.add(unfinished.group(1))
    return _execute(searcher, built, _filter(searcher, locale, None, include_internal), limit, snippets=False,
                    preferred=_preferred(searcher, locale, said))


__all__ = ["CONFIDENT", "Hit", "IndexUnavailable", "SearchResults", "query_locale", "run_search",
           "run_suggest"]
