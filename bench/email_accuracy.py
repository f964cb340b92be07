"""Threading and classification of mail intake against the corpus' ground truth.

    .venv/bin/python -m bench.email_accuracy [-n 5000] [--seed 1] [--batch 500]

Generates a corpus (../shared/bench/corpus.py), feeds it in order through the mail
intake on a fresh SQLite database (stored, committed, ingested in batches, as every
intake path does) and scores each message's outcome with the corpus' own scorer
(benchlib.score): a new request opens its own ticket, a reply lands on its thread's
ticket, duplicates, auto-replies and bounces open none. The corpus' "[#N]" tags are
rewritten to the numbers Desk gave, as a customer answering our mail would quote them.
Prints one JSON line; `agreement` is the share of messages whose outcome is right.
Issue 4's target: >= 99.5%. tests/desk/actions/test_mail_intake_corpus.py runs the
same at 200 messages."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlmodel import Session, col, select

from bench.corpus_path import corpus_script, shared_bench
from desk import handlers  # noqa: F401 - the event handlers, before any action records an event
from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.db import Database, commit
from desk.migrate import upgrade
from desk.models import Customer, Message, RawMessage, Ticket
from desk.settings import Settings, load_settings


def benchlib() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchlib", shared_bench() / "benchlib.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(folder: Path, seed: int, n: int) -> list[dict[str, Any]]:
    subprocess.run([sys.executable, str(corpus_script()), "--seed", str(seed), "-n", str(n),
                    "--out", str(folder)], check=True, capture_output=True)
    truth: list[dict[str, Any]] = json.loads(
        (folder / "ground_truth.json").read_text(encoding="utf-8"))["messages"]
    return truth


def ingest_corpus(session: Session, settings: Settings, folder: Path, truth: list[dict[str, Any]],
                  batch_size: int) -> dict[str, Any]:
    """Feed the corpus through the intake in order; the scores of benchlib.score."""
    lib = benchlib()
    root_ticket: dict[int, int] = {}
    raw_ids: list[int] = []
    batch: list[bytes] = []

    def flush() -> None:
        ids = store_raw(session, "support", batch)
        commit(session)
        ingest_with_retry(session, settings, ids)
        for raw_id, m in zip(ids, truth[len(raw_ids):], strict=False):
            row = session.get(RawMessage, raw_id)
            if m["kind"] == "new" and row is not None and row.ticket_id is not None:
                root_ticket[m["thread_no"]] = row.ticket_id
        raw_ids.extend(ids)
        batch.clear()

    for m in truth:
        if m["tag"] is not None and m["thread_no"] not in root_ticket and batch:
            flush()  # the tag needs the number of a ticket this batch opens
        raw = (folder / m["file"]).read_bytes()
        batch.append(lib.rewrite_tag(raw, lambda n: (
            f"[#{root_ticket[n]}]" if n in root_ticket else None)))
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    observations = [observe(session, raw_id) for raw_id in raw_ids]
    scores: dict[str, Any] = lib.score(truth, observations)
    scores["agreement"] = agreement(truth, observations)
    return scores


def observe(session: Session, raw_id: int) -> dict[str, Any]:
    row = session.get(RawMessage, raw_id)
    assert row is not None
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    customer = session.get(Customer, ticket.customer_id) if ticket is not None else None
    created = row.status == "ingested" and ticket is not None and _opened_by(session, row, ticket)
    return {"ticket": row.ticket_id, "created": created,
            "title": ticket.subject if ticket else None,
            "requester": customer.email if customer else None,
            "attachments": None, "body": None}


def agreement(truth: list[dict[str, Any]], observations: list[dict[str, Any]]) -> float:
    """The share of messages whose outcome is the one the ground truth asks for."""
    root: dict[str, Any] = {m["message_id"]: o["ticket"] for m, o in zip(truth, observations, strict=True)
                            if m["kind"] == "new"}
    right = 0
    for m, o in zip(truth, observations, strict=True):
        if m["is_duplicate"] or m["kind"] in ("auto", "bounce"):
            right += not o["created"]
        elif m["kind"] == "new":
            right += bool(o["created"])
        else:  # a reply
            right += o["ticket"] is not None and o["ticket"] == root.get(m["thread_root"])
    return round(right / len(truth), 4) if truth else 1.0


def _opened_by(session: Session, row: RawMessage, ticket: Ticket) -> bool:
    """Whether the ticket's first message is this mail."""
    first = session.exec(select(Message.message_id).where(Message.ticket_id == ticket.id)
                         .order_by(col(Message.id))).first()
    return first == row.message_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-accuracy-") as tmp:
        truth = generate(Path(tmp) / "corpus", args.seed, args.n)
        settings = load_settings({"DESK_DATA_DIR": str(Path(tmp) / "var")})
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # load_settings made it (secret_key)
        db = Database(settings)
        upgrade(db.engine)
        with db.session() as session:
            scores = ingest_corpus(session, settings, Path(tmp) / "corpus", truth, args.batch)
        db.dispose()
    print(json.dumps({"bench": "email_accuracy", "messages": len(truth), "seed": args.seed,
                      "batch": args.batch, **scores, "target_agreement": 0.995}))


if __name__ == "__main__":
    main()
