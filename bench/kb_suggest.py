"""Suggest-as-you-type over HTTP: the round trip of ``GET /help/suggest`` on loopback, as the
request form's script makes it while a customer types a subject.

Generates ``--articles`` articles (half Chinese; ``bench.kb_search``'s generator), writes them into
a fresh SQLite database with bulk inserts, builds the index with ``desk kb reindex``, starts a real
``desk serve`` and then types: for each of ``--subjects`` subjects (the relevance set's queries and
random word pairs) it requests the prefixes a debounced script would send (every one to three more
characters), one request at a time on a kept-alive connection, like one browser. ``round_trip_ms``
is the client's time from sending the request to reading the whole answer; ``server_ms`` the
server's own (``Server-Timing``). Prints one JSON line; progress goes to stderr. Not a test.

    .venv/bin/python -m bench.kb_suggest --articles 20000
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import bench.* from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import http.client
import json
import random
import re
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

import yaml
from sqlalchemy import insert

from bench.kb_search import DEMO, QUERIES, generate, pct
from bench.servers import DeskProcess, desk_env, free_port, run_desk, say
from desk.db import make_engine
from desk.models.kb import Article
from knowledge_base.documents import ArticleDoc
from knowledge_base.importer import read_folder

BATCH = 2000
_TIMING = re.compile(r"app;dur=([\d.]+)")


def insert_articles(database_url: str, docs: Iterable[ArticleDoc]) -> int:
    """Core bulk inserts in batches (about 2.5x faster than ORM adds), one transaction each."""
    engine = make_engine(database_url)
    count, batch = 0, []
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for doc in docs:
            batch.append({
                "id": doc.id, "slug": doc.slug, "title": doc.title[:300], "body_markdown": doc.body_markdown,
                "locale": doc.locale, "category_id": None, "tags": list(doc.tags), "status": "published",
                "visibility": doc.visibility, "translation_group": None, "source_key": None,
                "author_id": None, "views": 0, "helpful_yes": 0, "helpful_no": 0,
                "created_at": doc.updated_at, "updated_at": doc.updated_at, "published_at": now,
            })
            if len(batch) >= BATCH:
                conn.execute(insert(Article), batch)
                count, batch = count + len(batch), []
        if batch:
            conn.execute(insert(Article), batch)
            count += len(batch)
    engine.dispose()
    return count


def typed_prefixes(subjects: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(prefix, locale) pairs as a debounced script sends them while each subject is typed."""
    out = []
    for subject in subjects:
        locale = "zh-CN" if re.search(r"[\u3400-\u9fff]", subject) else "en"
        end = 2
        while end <= len(subject):
            out.append((subject[:end], locale))
            end += rng.randint(1, 3)
    return out


def time_requests(port: int, prefixes: list[tuple[str, str]]) -> tuple[list[float], list[float], int]:
    """Round-trip and server milliseconds for each request, and how many answered with articles."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    trips, server, answered = [], [], 0
    for prefix, locale in prefixes:
        path = "/help/suggest?" + urlencode({"q": prefix, "locale": locale})
        began = time.perf_counter()
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        trips.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}: {body[:300]!r}")
        match = _TIMING.search(response.getheader("server-timing") or "")
        if match:
            server.append(float(match.group(1)))
        answered += bool(json.loads(body)["articles"])
    conn.close()
    return sorted(trips), sorted(server), answered


def subjects_for(rng: random.Random, count: int) -> list[str]:
    asked = [str(q["q"]) for q in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]]
    vocabulary = [w for q in asked for w in q.split()]
    mixed = asked + [f"{rng.choice(vocabulary)} {rng.choice(vocabulary)}" for _ in range(count)]
    return rng.sample(mixed, min(count, len(mixed)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--subjects", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    demo, _ = read_folder(DEMO)
    prefixes = typed_prefixes(subjects_for(rng, args.subjects), rng)
    with tempfile.TemporaryDirectory(prefix="kb-suggest-") as tmp:
        folder = Path(tmp)
        data = folder / "var"
        data.mkdir()
        env = desk_env(data)
        run_desk(["migrate"], env)
        began = time.perf_counter()
        inserted = insert_articles(f"sqlite:///{data / 'desk.db'}", generate(demo, args.articles, rng))
        insert_seconds = time.perf_counter() - began
        say(f"inserted {inserted} articles in {insert_seconds:.1f} s")
        began = time.perf_counter()
        say(run_desk(["kb", "reindex"], env).strip())
        reindex_seconds = time.perf_counter() - began
        server = DeskProcess.serve(env, folder, free_port())
        try:
            server.wait_healthy()
            assert server.port is not None
            time_requests(server.port, prefixes[:30])  # warm: jieba, the searcher, the first postings
            trips, server_ms, answered = time_requests(server.port, prefixes)
            rss_mb = round(server.status_kb("VmRSS") / 1024)
        finally:
            server.stop()
    print(json.dumps({
        "bench": "kb_suggest",
        "backend": "sqlite",
        "articles": inserted,
        "insert_seconds": round(insert_seconds, 1),
        "reindex_seconds": round(reindex_seconds, 1),
        "requests": len(trips),
        "with_articles": answered,
        "round_trip_ms": {"p50": pct(trips, 0.5), "p95": pct(trips, 0.95), "max": round(trips[-1], 2)},
        "server_ms": {"p50": pct(server_ms, 0.5), "p95": pct(server_ms, 0.95)} if server_ms else None,
        "serve_rss_mb": rss_mb,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
