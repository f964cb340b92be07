"""Knowledge-base search speed at scale: index build rate and search / suggest server time.

Generates ``--articles`` articles (half Chinese) by recombining sentences of the demo articles,
builds the index in a temporary folder, then times ``KbIndex.search`` and ``KbIndex.suggest`` over a
few hundred mixed queries (the relevance set's queries, prefixes of them as typed, and random pairs of
words). ``search_ms`` is the first pass (each term's postings read on first use); ``search_repeat_ms``
runs the same queries again with those per-term lists cached, as a long-running server mostly is.
``search_customers_ms`` then times the customers' relevance set (longer questions, many synonyms),
once, after the others.
Prints one JSON line; progress goes to stderr. Not a test.

    .venv/bin/python -m bench.kb_search --articles 20000
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import random
import re
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import yaml

from knowledge_base.documents import ArticleDoc, Locale
from knowledge_base.importer import ImportedArticle, read_folder
from knowledge_base.index import KbIndex
from knowledge_base.markdown import slugify, to_text

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "knowledge_base" / "demo"
QUERIES = ROOT / "tests" / "knowledge_base" / "relevance.yaml"
CUSTOMER_QUERIES = ROOT / "tests" / "knowledge_base" / "relevance_customers.yaml"
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")


def sentences(articles: list[ImportedArticle], locale: str) -> list[str]:
    found: list[str] = []
    for article in articles:
        if article.locale == locale:
            text = to_text(article.body_markdown)
            found += [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 8]
    return found


def generate(articles: list[ImportedArticle], count: int, rng: random.Random) -> Iterator[ArticleDoc]:
    pools = {locale: sentences(articles, locale) for locale in ("en", "zh-CN")}
    titles = {locale: [a.title for a in articles if a.locale == locale] for locale in pools}
    categories = sorted({a.category for a in articles})
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(1, count + 1):
        locale: Locale = "zh-CN" if n % 2 else "en"
        body = "\n\n".join(
            " ".join(rng.choice(pools[locale]) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(3, 5))
        )
        title = f"{rng.choice(titles[locale])} {rng.choice(pools[locale])[:20]}"
        yield ArticleDoc(
            id=n, title=title, body_markdown=body, locale=locale, category=rng.choice(categories),
            slug=slugify(title), updated_at=start + timedelta(minutes=n), tags=[],
            visibility="internal" if n % 10 == 0 else "public",
        )


CLOCK = time.perf_counter


def timings(run: Callable[[str], object], queries: list[str]) -> list[float]:
    spent = []
    for query in queries:
        began = CLOCK()
        run(query)
        spent.append((CLOCK() - began) * 1000)
    return sorted(spent)


def pct(values: list[float], p: float) -> float:
    return round(values[min(len(values) - 1, int(len(values) * p))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cpu", action="store_true",
                        help="time with the process's CPU clock: comparable between runs on a busy machine")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    rng = random.Random(args.seed)
    articles, _ = read_folder(DEMO)
    asked = [str(q["q"]) for q in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]]
    asked_by_customers = [str(q["q"]) for q in
                          yaml.safe_load(CUSTOMER_QUERIES.read_text(encoding="utf-8"))["queries"]]
    vocabulary = [w for q in asked for w in q.split()]
    mixed = asked + [f"{rng.choice(vocabulary)} {rng.choice(vocabulary)}" for _ in range(args.queries)]
    queries = rng.sample(mixed, min(args.queries, len(mixed)))
    typed = [q[: rng.randint(2, max(2, len(q)))] for q in queries]
    docs = list(generate(articles, args.articles, rng))
    with tempfile.TemporaryDirectory(prefix="kb-search-") as tmp:
        index = KbIndex(Path(tmp) / "index", cache_dir=Path(tmp) / "jieba")
        began = time.perf_counter()
        indexed = index.rebuild(docs)
        build_seconds = time.perf_counter() - began
        print(f"indexed {indexed} in {build_seconds:.1f} s", file=sys.stderr)
        for query in queries[:20]:  # warm the searcher's caches as a running server would be
            index.search(query)
        search = timings(lambda q: index.search(q), queries)  # terms met for the first time: postings read
        search_again = timings(lambda q: index.search(q), queries)  # per-term impacts cached
        suggest = timings(lambda q: index.suggest(q), typed)
        customers = timings(lambda q: index.search(q), asked_by_customers)
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file())
    print(json.dumps({
        "bench": "kb_search",
        "articles": indexed,
        "build_seconds": round(build_seconds, 1),
        "build_articles_per_s": round(indexed / build_seconds, 1),
        "queries": len(queries),
        "clock": "cpu" if args.cpu else "wall",
        "search_ms": {"p50": pct(search, 0.5), "p95": pct(search, 0.95), "max": round(search[-1], 2)},
        "search_repeat_ms": {"p50": pct(search_again, 0.5), "p95": pct(search_again, 0.95)},
        "search_customers_ms": {"p50": pct(customers, 0.5), "p95": pct(customers, 0.95),
                                "max": round(customers[-1], 2)},
        "suggest_ms": {"p50": pct(suggest, 0.5), "p95": pct(suggest, 0.95), "max": round(suggest[-1], 2)},
        "index_mb": round(size / 1e6, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
