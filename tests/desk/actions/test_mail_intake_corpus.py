"""Mail intake against the generated corpus and its ground truth (../shared/bench)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlmodel import Session, col, select

from desk.actions.mail_intake import ingest_stored, store_raw
from desk.db import commit
from desk.models import Customer, Message, RawMessage, Ticket
from desk.settings import Settings

BENCH = next(
    (p for p in (Path(__file__).resolve().parents[4] / "shared" / "bench",
                 Path("/work/shared/bench")) if (p / "corpus.py").exists()),
    Path("/work/shared/bench"),
)
N = 200
BATCH = 25


def _benchlib() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchlib", BENCH / "benchlib.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_threads_dedups_and_classifies_as_its_ground_truth(
    session: Session, settings: Settings, tmp_path: Path,
) -> None:
    if not (BENCH / "corpus.py").exists():
        pytest.skip("../shared/bench is not checked out next to the repository")
    subprocess.run([sys.executable, str(BENCH / "corpus.py"), "--seed", "3", "-n", str(N),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    benchlib = _benchlib()
    truth: list[dict[str, Any]] = json.loads(
        (tmp_path / "ground_truth.json").read_text(encoding="utf-8"))["messages"]
    # The corpus numbers its threads; a customer answers Desk's "[#ticket]" tag.
    root_ticket: dict[int, int] = {}
    raw_ids: list[int] = []
    batch: list[bytes] = []

    def flush() -> None:
        ids = store_raw(session, "support", batch)
        commit(session)
        ingest_stored(session, settings, ids)
        commit(session)
        for raw_id, m in zip(ids, truth[len(raw_ids):], strict=False):
            row = session.get(RawMessage, raw_id)
            if m["kind"] == "new" and row is not None and row.ticket_id is not None:
                root_ticket[m["thread_no"]] = row.ticket_id
        raw_ids.extend(ids)
        batch.clear()

    for m in truth:
        if m["tag"] is not None and m["thread_no"] not in root_ticket and batch:
            flush()  # the tag needs the number of a ticket this batch opens
        raw = (tmp_path / m["file"]).read_bytes()
        batch.append(benchlib.rewrite_tag(raw, lambda n: (
            f"[#{root_ticket[n]}]" if n in root_ticket else None)))
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    observations = [_observe(session, raw_id) for raw_id in raw_ids]
    scores = benchlib.score(truth, observations)
    assert scores["new_own_ticket"] == 1.0, scores
    assert scores["replies_threaded"] == 1.0, scores
    assert scores["duplicates_new_ticket"] == 0.0, scores
    assert scores["auto_new_ticket"] == 0.0, scores
    assert scores["bounce_new_ticket"] == 0.0, scores
    assert scores["title_exact"] == 1.0 and scores["requester_exact"] == 1.0, scores
    assert scores["tickets_total"] == scores["tickets_ideal"], scores


def _observe(session: Session, raw_id: int) -> dict[str, Any]:
    row = session.get(RawMessage, raw_id)
    assert row is not None
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    customer = session.get(Customer, ticket.customer_id) if ticket is not None else None
    created = row.status == "ingested" and ticket is not None and _opened_by(session, row, ticket)
    return {"ticket": row.ticket_id, "created": created,
            "title": ticket.subject if ticket else None,
            "requester": customer.email if customer else None,
            "attachments": None, "body": None}


def _opened_by(session: Session, row: RawMessage, ticket: Ticket) -> bool:
    """Whether the ticket's first message is this mail."""
    first = session.exec(select(Message.message_id).where(Message.ticket_id == ticket.id)
                         .order_by(col(Message.id))).first()
    return first == row.message_id
