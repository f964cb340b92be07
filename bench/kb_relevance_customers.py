"""Knowledge-base relevance on queries written the way customers write (issue 17).

Indexes ``knowledge_base/demo`` in a temporary folder and runs every query of
tests/knowledge_base/relevance_customers.yaml through ``KbIndex.search`` with no locale filter (a
visitor of the portal with no preference: the query's own language must win). A query counts at the
rank of the first of its expected articles among the first 10 hits. Prints one JSON line: MRR, top 1
and top 3 over all queries, over the tuning part and over the held-out part (every 5th query as first
written, marked ``held_out``), per kind and per language asked for; and, for the top hit's
``confident`` flag (``knowledge_base.searching.CONFIDENT``), the precision and recall of showing only
confident top hits, and the share of the queries no article answers that still get one; the same for
``KbIndex.suggest`` in the language asked for (what the chat widget does). Misses (not first) go to
stderr.

    .venv/bin/python -m bench.kb_relevance_customers
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import tempfile
from collections import defaultdict
from typing import Any

import yaml

from knowledge_base.importer import read_folder
from knowledge_base.index import KbIndex
from knowledge_base.searching import CONFIDENT
from knowledge_base.synonyms import SynonymList, load_synonyms

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "knowledge_base" / "demo"
QUERIES = ROOT / "tests" / "knowledge_base" / "relevance_customers.yaml"
def figures(ranks: list[int | None]) -> dict[str, Any]:
    n = max(1, len(ranks))
    return {
        "n": len(ranks),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
        "top1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "top3": round(sum(1 for r in ranks if r is not None and r <= 3) / n, 4),
    }


def rank_of(expected: list[str], hits: list[str]) -> int | None:
    found = [hits.index(e) + 1 for e in expected if e in hits]
    return min(found) if found else None


def confidence(tops: list[tuple[bool | None, float]], threshold: float) -> dict[str, Any]:
    """What showing only top hits of at least ``threshold`` confidence gives: the share of those shown
    that are right (precision), of the right top hits that are shown (recall), of queries no article
    answers (right is None) that still get a suggestion."""
    shown = [right for right, c in tops if c >= threshold]
    right = sum(1 for r, _ in tops if r)
    unanswerable = [c for r, c in tops if r is None]
    return {
        "threshold": threshold,
        "precision": round(sum(1 for r in shown if r) / max(1, len(shown)), 4),
        "recall": round(sum(1 for r in shown if r) / max(1, right), 4),
        "unanswerable_shown": round(sum(1 for c in unanswerable if c >= threshold)
                                    / max(1, len(unanswerable)), 4),
    }


def evaluate(index: KbIndex, stems: dict[int, str], queries: list[dict[str, Any]],
             show_misses: bool = True) -> dict[str, Any]:
    groups: dict[str, list[int | None]] = defaultdict(list)
    kinds: dict[str, list[int | None]] = defaultdict(list)
    langs: dict[str, list[int | None]] = defaultdict(list)
    tops: list[tuple[bool | None, float]] = []  # per query: top hit right (None: nothing is), its confidence
    widget: list[tuple[bool | None, float]] = []  # the same for suggest in the visitor's locale
    for position, item in enumerate(queries):
        suggested = index.suggest(str(item["q"]), locale="zh-CN" if item["lang"] == "zh" else "en").hits
        widget.append((stems[suggested[0].id] in item["expect"] if item["expect"] else None,
                       suggested[0].confidence) if suggested else (False if item["expect"] else None, 0.0))
        found = index.search(str(item["q"]), limit=10).hits
        hits = [stems[h.id] for h in found]
        if not item["expect"]:
            tops.append((None, found[0].confidence if found else 0.0))
            if show_misses and found and found[0].confident:
                print(f"confident on unanswerable #{position}: {item['q']!r} -> {hits[:1]}", file=sys.stderr)
            continue
        rank = rank_of(list(item["expect"]), hits)
        tops.append((rank == 1, found[0].confidence if found else 0.0))
        part = "held_out" if item.get("held_out") else "tuning"
        for key in ("all", part):
            groups[key].append(rank)
        kinds[item["kind"]].append(rank)
        langs[item["lang"]].append(rank)
        if show_misses and rank != 1:
            print(f"miss #{position} ({part}, {item['kind']}, rank {rank}): {item['q']!r} "
                  f"-> {hits[:3]} want {item['expect']}", file=sys.stderr)
    return {
        "bench": "kb_relevance_customers",
        "queries": len(groups["all"]),
        **{k: v for k, v in figures(groups["all"]).items() if k != "n"},
        "tuning": figures(groups["tuning"]),
        "held_out": figures(groups["held_out"]),
        "by_lang": {lang: figures(found) for lang, found in sorted(langs.items())},
        "by_kind": {kind: figures(found) for kind, found in sorted(kinds.items())},
        "unanswerable": sum(1 for right, _ in tops if right is None),
        "confident": confidence(tops, CONFIDENT),
        "confident_suggest_in_locale": confidence(widget, CONFIDENT),
    }


def demo_index(tmp: Path, synonyms: SynonymList) -> tuple[KbIndex, dict[int, str]]:
    articles, problems = read_folder(DEMO)
    if problems:
        sys.exit("\n".join(map(str, problems)))
    index = KbIndex(tmp / "index", cache_dir=tmp / "jieba", synonyms=synonyms)
    index.rebuild(a.to_doc(n) for n, a in enumerate(articles, start=1))
    return index, {n: a.source_key.removesuffix(".md") for n, a in enumerate(articles, start=1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--no-synonyms", action="store_true", help="measure without the synonym list")
    parser.add_argument("--quiet", action="store_true", help="no misses on stderr")
    args = parser.parse_args()
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as tmp:
        synonyms = SynonymList(()) if args.no_synonyms else load_synonyms()
        index, stems = demo_index(Path(tmp), synonyms)
        result = evaluate(index, stems, queries, show_misses=not args.quiet)
    print(json.dumps(result | {"synonyms": not args.no_synonyms}, ensure_ascii=False))


if __name__ == "__main__":
    main()
