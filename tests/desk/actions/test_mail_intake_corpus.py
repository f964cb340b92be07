"""Mail intake against the generated corpus and its ground truth (../shared/bench)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from bench.corpus_path import SHARED_BENCH
from bench.email_accuracy import generate, ingest_corpus
from desk.settings import Settings

N = 200
BATCH = 25


def test_corpus_threads_dedups_and_classifies_as_its_ground_truth(
    session: Session, settings: Settings, tmp_path: Path,
) -> None:
    if not (SHARED_BENCH / "corpus.py").exists():
        pytest.skip("../shared/bench is not checked out next to the repository")
    truth = generate(tmp_path, 3, N)
    scores = ingest_corpus(session, settings, tmp_path, truth, BATCH)
    assert scores["agreement"] == 1.0, scores
    assert scores["new_own_ticket"] == 1.0, scores
    assert scores["replies_threaded"] == 1.0, scores
    assert scores["duplicates_new_ticket"] == 0.0, scores
    assert scores["auto_new_ticket"] == 0.0, scores
    assert scores["bounce_new_ticket"] == 0.0, scores
    assert scores["title_exact"] == 1.0 and scores["requester_exact"] == 1.0, scores
    assert scores["tickets_total"] == scores["tickets_ideal"], scores
