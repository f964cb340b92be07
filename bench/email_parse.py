"""Email parse: Desk's parse + filters against the naive standard-library parse.

Generates ``../shared/bench/corpus.py`` mail (or reads a corpus folder), then
times, over the same bytes in the same run, (a) ``message_from_bytes`` with
``policy.default`` plus ``get_body`` and every attachment's content, the bar
issue 4 sets, and (b) ``channels.email.parse.parse`` followed by the filters.

    .venv/bin/python -m bench.email_parse -n 2000 --seed 42

Prints one JSON line on stdout; progress goes to stderr. Not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import bench.* from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import email
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from email import policy

from bench.corpus_path import corpus_script
from channels.email.classify import run_filters
from channels.email.filters import FILTERS
from channels.email.parse import parse


def naive(raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=policy.default)
    body = msg.get_body(("plain", "html"))
    if body is not None:
        body.get_content()  # type: ignore[attr-defined]
    for part in msg.iter_attachments():
        part.get_content()  # type: ignore[attr-defined]


def desk(raw: bytes) -> None:
    run_filters(parse(raw), FILTERS)


def rate(fn: Callable[[bytes], None], raws: list[bytes], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for raw in raws:
            fn(raw)
        best = min(best, time.perf_counter() - start)
    return len(raws) / best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"generating {args.n} messages", file=sys.stderr)
        command = [sys.executable, str(corpus_script()), "--seed", str(args.seed), "-n", str(args.n),
                   "--out", tmp]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        raws = [path.read_bytes() for path in sorted(Path(tmp).glob("*.eml"))]
    naive_rate = rate(naive, raws, args.rounds)
    desk_rate = rate(desk, raws, args.rounds)
    print(json.dumps({
        "bench": "email_parse", "messages": len(raws), "seed": args.seed,
        "naive_policy_default_per_s": round(naive_rate, 1), "desk_parse_filters_per_s": round(desk_rate, 1),
        "ratio": round(desk_rate / naive_rate, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
