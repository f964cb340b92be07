"""`desk ingest` of a generated corpus, end to end on SQLite, beside the plain
standard-library parse of the same files measured in the same run.

    .venv/bin/python -m bench.email_ingest [-n 5000] [--seed 1]
    .venv/bin/python -m bench.email_ingest --corpus real [-n 1000] [--seed 1]
    .venv/bin/python -m bench.email_ingest --rules 100   # with 100 enabled routing rules

Prints one JSON line. Issue 4's target: the ratio (desk ingest / naive parse) >= 1.0,
peak RSS <= 300 MB. `--corpus generated` (the default) is ../shared/bench/corpus.py:
small text mail; `--corpus real` is bench/real_corpus.py (issue 12): a third with
attachments of 50 KB-5 MB, HTML-only mail, forwards, calendar invites, about 200 KB a
mail on average. The desk rate counts start-up: it is the wall time of the one
`desk ingest` process given every file. The corpus' [#N] tags are left as generated (they are not
rewritten to Desk's numbers), so this measures speed, not threading accuracy;
tests/desk/actions/test_mail_intake_corpus.py scores threading. `--rules N` saves N enabled
routing rules first (bench/rules_eval.py's, on ticket created and customer replied): rules run
as jobs after the intake's commit, so the intake queues them and its rate should not move
(issue 13's target: still >= 1.3 x the naive parse with 100 rules)."""

from __future__ import annotations

import argparse
import email
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

from bench.corpus_path import corpus_script
from bench.real_corpus import generate

ROOT = Path(__file__).resolve().parent.parent


def naive_parse_rate(files: list[Path]) -> float:
    raws = [f.read_bytes() for f in files]
    started = time.perf_counter()
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=policy.default)
        body = msg.get_body(("plain", "html"))  # type: ignore[attr-defined]
        if body is not None:
            body.get_content()
        for part in msg.iter_attachments():  # type: ignore[attr-defined]
            part.get_content()
    return len(raws) / (time.perf_counter() - started)


def save_rules(env: dict[str, str], count: int) -> None:
    """``count`` enabled rules like bench/rules_eval.py's, saved as an admin would."""
    import random

    from bench.rules_eval import WORDS
    from desk.actions.audit import SYSTEM
    from desk.actions.rules.manage import create_rule
    from desk.db import Database
    from desk.settings import load_settings

    rng = random.Random(1)
    db = Database(load_settings(env))
    with db.session() as session:
        for i in range(count):
            items: list[dict[str, object]] = [
                {"field": "subject", "op": "any_words", "value": " ".join(rng.sample(WORDS, 3))},
                {"field": "tier", "op": "is", "value": rng.choice(["vip", "standard", "prospect"])}]
            if i % 10 == 0:
                items.append({"field": "body", "op": "regex", "value": r"order #?\d{6}"})
            create_rule(session, SYSTEM, {
                "name": f"Rule {i}", "events": ["ticket_created", "customer_replied"],
                "conditions": {"match": "all", "items": items},
                "actions": [{"type": "set_priority", "value": "high"}]})
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("generated", "real"), default="generated",
                        help="../shared/bench/corpus.py (default) or bench/real_corpus.py")
    parser.add_argument("-n", type=int, help="messages (5000 generated, 1000 real)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rules", type=int, default=0, help="enabled routing rules saved first")
    args = parser.parse_args()
    n = args.n or (1000 if args.corpus == "real" else 5000)
    with tempfile.TemporaryDirectory(prefix="desk-bench-ingest-") as tmp:
        corpus = Path(tmp) / "corpus"
        if args.corpus == "real":
            generate(args.seed, n, corpus)
        else:
            subprocess.run([sys.executable, str(corpus_script()), "--seed", str(args.seed), "-n", str(n),
                            "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        files = sorted(corpus.glob("*.eml"))
        megabytes = sum(f.stat().st_size for f in files) / 1e6
        env = {**os.environ, "DESK_DATA_DIR": str(Path(tmp) / "var")}
        env.pop("DESK_DATABASE_URL", None)
        desk = [str(ROOT / ".venv" / "bin" / "desk"), "--log-level", "WARNING"]
        subprocess.run([*desk, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        if args.rules:
            save_rules(env, args.rules)
        started = time.perf_counter()
        done = subprocess.run([*desk, "ingest", "--mailbox", "support", *map(str, files)],
                              env=env, check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        naive = naive_parse_rate(files)
    rate = len(files) / elapsed
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({
        "bench": "email_ingest", "corpus": args.corpus, "messages": len(files), "seed": args.seed,
        "corpus_mb": round(megabytes, 1), "desk_s": round(elapsed, 2),
        "desk_ingest_per_s": round(rate, 1), "naive_parse_per_s": round(naive, 1),
        "ratio": round(rate / naive, 2), "peak_rss_mb": round(peak_mb, 1), "rules": args.rules,
        "counts": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "",
        "target_ratio": 1.0, "target_peak_rss_mb": 300,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
