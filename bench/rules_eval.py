"""Routing rules: ticket evaluations per second against 100 rules (issue 13's figure): a
ticket's facts made (every field folded once) and every rule's compiled conditions tested on
them in one call (`desk.actions.rules.matching.set_matcher`), as `run_rules` does after loading
the ticket; no database. A tenth of the rules hold a regular expression.

    .venv/bin/python -m bench.rules_eval [--rules 100] [--tickets 20000]

Prints one JSON line. Target: >= 20,000 ticket evaluations per second (each: all rules)."""

from __future__ import annotations

import argparse
import json
import random
import time

from desk.actions.rules.definition import Known, parse_rule
from desk.actions.rules.matching import Facts, set_matcher

WORDS = ["refund", "invoice", "login", "password", "shipping", "delay", "broken", "退款", "发票",
         "登录", "密码", "快递", "order", "urgent", "cancel", "upgrade", "billing", "account"]


def rules(n: int, rng: random.Random) -> list:  # type: ignore[type-arg]
    out = []
    for i in range(n):
        items: list[dict[str, object]] = [
            {"field": "subject", "op": "any_words", "value": " ".join(rng.sample(WORDS, 3))},
            {"field": "tier", "op": "is", "value": rng.choice(["vip", "standard", "prospect"])},
        ]
        if i % 3 == 0:
            items.append({"match": "any", "items": [
                {"field": "body", "op": "contains", "value": rng.choice(WORDS)},
                {"field": "sender_domain", "op": "is", "value": f"example{i % 7}.com"}]})
        if i % 10 == 0:
            items.append({"field": "body", "op": "regex", "value": r"order #?\d{6}"})
        out.append(parse_rule({"name": f"r{i}", "conditions": {"match": rng.choice(["all", "any"]),
                                                                  "items": items},
                               "actions": [{"type": "set_priority", "value": "high"}]}, Known()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(1)
    test = set_matcher(tuple(spec.conditions for spec in rules(args.rules, rng)))  # as run_rules does
    tickets = [dict(subject=" ".join(rng.sample(WORDS, 4)) + " please help",
                    body=f"Hello, my order #{rng.randrange(10**6):06d} "
                    + " ".join(rng.sample(WORDS, 8)) * 5,
                    sender=f"c{i}@example{i % 9}.com", tier=rng.choice(["vip", "standard", "prospect"]))
               for i in range(args.tickets)]
    started = time.perf_counter()
    fired = 0
    for fields in tickets:
        facts = Facts(**fields)  # folding each field once per ticket is part of the work
        fired += sum(test(facts))
    elapsed = time.perf_counter() - started
    print(json.dumps({"bench": "rules_eval", "rules": args.rules, "tickets": args.tickets,
                      "ticket_evaluations_per_s": round(args.tickets / elapsed),
                      "rule_checks_per_s": round(args.tickets * args.rules / elapsed),
                      "matched": fired, "target_ticket_evaluations_per_s": 20_000}))


if __name__ == "__main__":
    main()
