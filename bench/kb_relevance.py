"""Knowledge-base relevance: the demo articles against tests/knowledge_base/relevance.yaml.

Indexes ``knowledge_base/demo`` in a temporary folder, runs every query (no locale filter, as a
visitor of the portal's search with no preference), and prints one JSON line: the share of queries
whose expected article is in the top three, the same for synonym and typo queries, per kind, and the
mean reciprocal rank (over the first 10 hits). Misses go to stderr.

    .venv/bin/python -m bench.kb_relevance
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
from knowledge_base.synonyms import SynonymList, load_synonyms

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "knowledge_base" / "demo"
QUERIES = ROOT / "tests" / "knowledge_base" / "relevance.yaml"


def evaluate(index: KbIndex, stems: dict[int, str], queries: list[dict[str, Any]]) -> dict[str, Any]:
    ranks: list[tuple[str, int | None]] = []
    for item in queries:
        hits = [stems[h.id] for h in index.search(str(item["q"]), limit=10).hits]
        rank = hits.index(item["expect"]) + 1 if item["expect"] in hits else None
        ranks.append((item["kind"], rank))
        if rank is None or rank > 3:
            print(f"miss ({item['kind']}, rank {rank}): {item['q']!r} -> {hits[:3]}", file=sys.stderr)
    by_kind: dict[str, list[int | None]] = defaultdict(list)
    for kind, rank in ranks:
        by_kind[kind].append(rank)

    def top3(found: list[int | None]) -> float:
        return round(sum(1 for r in found if r is not None and r <= 3) / max(1, len(found)), 4)

    hard = by_kind["synonym"] + by_kind["typo"]
    return {
        "bench": "kb_relevance",
        "queries": len(ranks),
        "top3": top3([r for _, r in ranks]),
        "top3_synonym_typo": top3(hard),
        "mrr": round(sum(1 / r for _, r in ranks if r) / max(1, len(ranks)), 4),
        "top1": round(sum(1 for _, r in ranks if r == 1) / max(1, len(ranks)), 4),
        "by_kind": {kind: {"n": len(found), "top3": top3(found)} for kind, found in sorted(by_kind.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--no-synonyms", action="store_true", help="measure without the synonym list")
    args = parser.parse_args()
    articles, problems = read_folder(args.demo)
    if problems:
        sys.exit("\n".join(map(str, problems)))
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as tmp:
        synonyms = SynonymList(()) if args.no_synonyms else load_synonyms()
        index = KbIndex(Path(tmp) / "index", cache_dir=Path(tmp) / "jieba", synonyms=synonyms)
        index.rebuild(a.to_doc(n) for n, a in enumerate(articles, start=1))
        stems = {n: a.source_key.removesuffix(".md") for n, a in enumerate(articles, start=1)}
        result = evaluate(index, stems, queries) | {"synonyms": not args.no_synonyms}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
