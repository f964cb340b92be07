"""Scoring a query over cached per-term impact lists.

Whoosh's own matchers walk every posting of every query term in Python, which at 20,000 articles of
support vocabulary costs hundreds of milliseconds for queries of common words. Here each term's BM25F
scores (computed by Whoosh from its postings) are read once per searcher and kept as that term's best
``TOP_PER_TERM`` documents; a query then adds up a few short lists. Rankings of the top hits match a
full evaluation except for documents that are in no term's best list, which cannot rank high anyway.
"""

from __future__ import annotations

import heapq
import threading
import weakref
from collections import OrderedDict
from itertools import islice

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher, MultiMatcher
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

FIELD = "text"
TOP_PER_TERM = 500
CACHED_TERMS = 8192
PREFIX_TERMS = 12
ALTERNATIVE_TOP = 200
"""Documents an alternative (a synonym's member, a correction) adds to a query: its best ones. The
words said count in all their ``TOP_PER_TERM``; a synonym's weaker documents rarely rank, and big
synonym groups would otherwise multiply the work of every query that names one."""
K1 = 2.0
"""BM25's saturation: higher than Whoosh's 1.2, so a word in the title (weight 3) and repeated in the
body counts clearly more than one mention (measured on both relevance sets, bench/kb_relevance*.py)."""

Scores = dict[int, float]


class TermImpacts:
    """Per-searcher cache of each term's best documents and their BM25F scores."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._cache: OrderedDict[str, Scores] = OrderedDict()
        self._lock = threading.Lock()
        self._length_norms: list[float] | None = None

    def scores(self, text: str) -> Scores:
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found
        found = self._read(text)
        with self._lock:
            self._cache[text] = found
            if len(self._cache) > CACHED_TERMS:
                self._cache.popitem(last=False)
        return found

    def _norms(self) -> list[float]:
        """BM25's length part, K1·((1−B) + B·length/average), per document: the same for every term."""
        if self._length_norms is None:
            reader, weighting = self.searcher.reader(), BM25F(K1=K1)
            average = self.searcher.avg_field_length(FIELD) or 1.0
            b, k1 = weighting.B, weighting.K1
            self._length_norms = [
                k1 * ((1 - b) + b * reader.doc_field_length(d, FIELD, 0) / average)
                for d in range(self.searcher.doc_count_all())
            ]
        return self._length_norms

    def _read(self, text: str) -> Scores:
        if (FIELD, text) not in self.searcher.reader():
            return {}
        # The same BM25F arithmetic as Whoosh's scorer, without its per-posting method calls.
        norms = self._norms()
        idf, k1 = self.searcher.idf(FIELD, text), K1
        docs, weights = read_postings(self.searcher.postings(FIELD, text))
        scale = idf * (k1 + 1)
        pairs = [(scale * w / (w + norms[d]), d) for d, w in zip(docs, weights, strict=True)]
        pairs.sort(reverse=True)  # best first (``evaluate`` reads only the start for alternatives)
        del pairs[TOP_PER_TERM:]
        return {d: s for s, d in pairs}


def read_postings(matcher: Matcher) -> tuple[list[int], list[float]]:
    """Document numbers and weights of a term's postings, a block at a time where Whoosh allows.

    Whoosh's matcher interface costs four method calls per posting; its on-disk matcher decodes a
    block of up to 128 postings at once, which is read here directly (about five times faster for a
    common word). Deleted documents and multi-segment indexes are handled as Whoosh does."""
    if isinstance(matcher, MultiMatcher):
        docs: list[int] = []
        weights: list[float] = []
        for sub, offset in zip(matcher.matchers, matcher.offsets, strict=True):
            sub_docs, sub_weights = read_postings(sub)
            docs += [d + offset for d in sub_docs] if offset else sub_docs
            weights += sub_weights
        return docs, weights
    if isinstance(matcher, FilterMatcher):
        wanted, exclude = matcher._ids, matcher._exclude
        child_docs, child_weights = read_postings(matcher.child)
        kept = [(d, w) for d, w in zip(child_docs, child_weights, strict=True) if (d in wanted) != exclude]
        return [d for d, _ in kept], [w * matcher.boost for _, w in kept]
    if isinstance(matcher, W3LeafMatcher):
        return _read_blocks(matcher)
    docs, weights = [], []
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return docs, weights


def _read_blocks(matcher: W3LeafMatcher) -> tuple[list[int], list[float]]:
    docs: list[int] = []
    weights: list[float] = []
    first = matcher._i  # a wrapping matcher may already have moved past some postings
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        docs += matcher._ids[first:]
        weights += matcher._weights[first:]
        first = 0
        matcher._next_block()
    return docs, weights


_impacts: weakref.WeakKeyDictionary[Searcher, TermImpacts] = weakref.WeakKeyDictionary()
_impacts_lock = threading.Lock()


def impacts_for(searcher: Searcher) -> TermImpacts:
    with _impacts_lock:
        found = _impacts.get(searcher)
        if found is None:
            found = _impacts[searcher] = TermImpacts(searcher)
        return found


def evaluate(q: wq.Query, impacts: TermImpacts, weight: float = 1.0) -> Scores:
    """Scores of the documents matching ``q`` times ``weight``, built from Term, Or, DisjunctionMax,
    And and Prefix queries. The dictionary may be a cached one: never change it."""
    weight *= q.boost
    if isinstance(q, wq.Term):
        return _scaled(impacts.scores(q.text), weight)
    if isinstance(q, wq.Prefix):
        expanded = [t.decode("utf-8") for _, t in zip(range(PREFIX_TERMS),
                                                      impacts.searcher.reader().expand_prefix(FIELD, q.text),
                                                      strict=False)]
        return evaluate(wq.Or([wq.Term(FIELD, t) for t in expanded]), impacts, weight)
    if isinstance(q, wq.And):
        parts = [evaluate(sub, impacts, weight) for sub in q.subqueries]
        if not parts:
            return {}
        common = set(parts[0]).intersection(*parts[1:])
        return {d: sum(p[d] for p in parts) for d in common}
    if isinstance(q, wq.DisjunctionMax):  # the best alternative per document, not their sum
        best: Scores = {}
        found = best.get
        for sub in q.subqueries:
            if isinstance(sub, wq.Term):  # the common case, without a scaled copy of the term's list
                factor = weight * sub.boost
                found_in = impacts.scores(sub.text).items()
                # Another word than the one said (a synonym, a correction): its best documents only.
                for d, s in found_in if sub.boost >= 1.0 else islice(found_in, ALTERNATIVE_TOP):
                    s *= factor
                    if s > found(d, 0.0):
                        best[d] = s
            else:
                for d, s in evaluate(sub, impacts, weight).items():
                    if s > found(d, 0.0):
                        best[d] = s
        return best
    if isinstance(q, wq.Or):
        total: Scores = {}
        for sub in q.subqueries:
            _add(total, evaluate(sub, impacts, weight))
        return total
    raise TypeError(f"unsupported query {type(q).__name__}")


def _add(total: Scores, part: Scores) -> None:
    found = total.get
    for d, s in part.items():
        total[d] = found(d, 0.0) + s


def evaluate_bounded(q: wq.Query, impacts: TermImpacts) -> tuple[Scores, float]:
    """``evaluate``, and the score a document matching every top-level clause (each thing the person
    said) at its best would get: the sum of the clauses' best scores, a clause no document matches
    ("bitcoin") counted as the average of the others. A hit's score over this bound says how much of
    the query it answers, comparably across short and long queries."""
    if not isinstance(q, wq.Or):
        scores = evaluate(q, impacts)
        return scores, max(scores.values(), default=0.0)
    total: Scores = {}
    best: list[float] = []
    unknown = 0
    for sub in q.subqueries:
        part = evaluate(sub, impacts, q.boost)
        if part:
            best.append(max(part.values()))
            _add(total, part)
        else:
            unknown += 1
    return total, sum(best) + unknown * sum(best) / max(1, len(best))


def _scaled(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}


def top(scores: Scores, allowed: set[int] | None, limit: int, preferred: set[int] | None = None,
        factor: float = 1.0) -> tuple[list[tuple[float, int]], int]:
    """The ``limit`` best (score, docnum) pairs among the allowed documents, and how many matched;
    the scores of ``preferred`` documents count ``factor`` times."""
    if preferred:
        candidates = [(s * factor if d in preferred else s, -d) for d, s in scores.items()
                      if allowed is None or d in allowed]
    elif allowed is None:
        candidates = [(s, -d) for d, s in scores.items()]
    else:
        candidates = [(s, -d) for d, s in scores.items() if d in allowed]
    # Best score first, then the lower document number: the order Whoosh gives equal scores.
    best = [(s, -negated) for s, negated in heapq.nlargest(limit, candidates)]
    return best, len(candidates)
