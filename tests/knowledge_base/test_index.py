"""Keeping the index right: updates, staleness, one writer, and recovery after a crash mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base import store
from knowledge_base.index import IndexState, IndexUnavailable, KbIndex, fingerprint
from tests.knowledge_base.conftest import doc

ROOT = Path(__file__).resolve().parents[2]


def ids(index: KbIndex, query: str) -> list[int]:
    return [hit.id for hit in index.search(query).hits]


def test_update_adds_replaces_and_unpublishes(small_index: KbIndex) -> None:
    small_index.update([doc(8, "Track your parcel", "Use the tracking number.")])
    assert ids(small_index, "parcel tracking") == [8]
    small_index.update([doc(8, "Track your order", "Use the tracking number.")])
    assert ids(small_index, "tracking")[0] == 8
    assert small_index.search("tracking").hits[0].title == "Track your order"
    small_index.update([doc(8, "Track your order", "Use the tracking number.", status="draft")])
    assert ids(small_index, "tracking") == []


def test_delete_removes_articles(small_index: KbIndex) -> None:
    small_index.delete([1])
    assert 1 not in ids(small_index, "password")


def test_is_stale_by_count_and_fingerprint(tmp_path: Path, jieba_cache: Path) -> None:
    docs = [doc(1, "One", "first"), doc(2, "Two", "second"), doc(3, "Draft", "x", status="draft")]
    index = KbIndex(tmp_path / "ix", cache_dir=jieba_cache)
    assert index.is_stale(2)
    index.rebuild(docs)
    assert not index.is_stale(2) and not index.is_stale(fingerprint(docs))
    edited = [replace(docs[0], updated_at=datetime(2026, 2, 1, tzinfo=UTC)), *docs[1:]]
    assert index.is_stale(fingerprint(edited))
    index.update(edited[:1])
    assert not index.is_stale(fingerprint(edited))
    assert index.is_stale(3)


def test_missing_index_is_reported_then_rebuilt(tmp_path: Path, jieba_cache: Path) -> None:
    index = KbIndex(tmp_path / "ix", cache_dir=jieba_cache)
    assert index.open().state is IndexState.MISSING
    with pytest.raises(IndexUnavailable):
        index.search("anything")
    with pytest.raises(IndexUnavailable):
        index.update([doc(1, "One", "first")])
    index.rebuild([doc(1, "One", "first")])
    assert index.open().ok and ids(index, "first") == [1]


def test_corrupt_segment_is_reported_and_a_rebuild_restores(small_index: KbIndex) -> None:
    generation = store.current_generation(small_index.folder)
    assert generation is not None
    for segment in generation.glob("*.seg"):
        segment.write_bytes(os.urandom(segment.stat().st_size))
    check = small_index.open()
    assert check.state is IndexState.CORRUPT and check.detail
    with pytest.raises(IndexUnavailable):
        small_index.search("password")
    small_index.rebuild([doc(1, "Reset your password", "Forgot password.")])
    assert small_index.open().ok
    assert ids(small_index, "password") == [1]


def test_truncated_toc_is_reported(small_index: KbIndex) -> None:
    generation = store.current_generation(small_index.folder)
    assert generation is not None
    for toc in generation.glob("*.toc"):
        toc.write_bytes(toc.read_bytes()[:20])
    assert small_index.open().state is IndexState.CORRUPT


def test_partial_rebuild_folder_is_ignored_and_cleaned(small_index: KbIndex) -> None:
    leftover = store.new_generation(small_index.folder)
    (leftover / "_MAIN_1.toc").write_bytes(b"half written")
    assert small_index.open().ok and ids(small_index, "password")[0] == 1
    small_index.rebuild([doc(1, "Reset your password", "Forgot password.")])
    assert not leftover.exists()


def test_writer_killed_mid_rebuild_leaves_the_old_index_serving(
    small_index: KbIndex, jieba_cache: Path
) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from datetime import datetime, timezone
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from knowledge_base.documents import ArticleDoc
        from knowledge_base.index import KbIndex

        def docs():
            for n in range(1, 1_000_000):
                if n == 50:
                    print("writing", flush=True)
                yield ArticleDoc(n, f"Replacement {{n}}", "body", "en", "c", f"s{{n}}",
                                 datetime.now(timezone.utc))
                time.sleep(0.001)

        KbIndex(Path({str(small_index.folder)!r}), cache_dir=Path({str(jieba_cache)!r})).rebuild(docs())
    """)
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "writing"
            time.sleep(0.2)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert any(p.name != store.current_generation(small_index.folder).name  # type: ignore[union-attr]
               for p in small_index.folder.glob("gen-*")), "the killed rebuild left its folder"
    fresh = KbIndex(small_index.folder, cache_dir=jieba_cache)
    assert fresh.open().ok
    assert ids(fresh, "password")[0] == 1 and ids(fresh, "replacement") == []
    fresh.update([doc(9, "After the crash", "the lock was released")])
    assert ids(fresh, "crash") == [9]


def test_one_writer_at_a_time(small_index: KbIndex) -> None:
    with (
        store.write_lock(small_index.folder),
        pytest.raises(store.WriterBusy),
        store.write_lock(small_index.folder, wait_seconds=0.1),
    ):
        pass


def test_searcher_sees_changes_published_by_another_writer(small_index: KbIndex, jieba_cache: Path) -> None:
    assert ids(small_index, "password")[0] == 1
    other = KbIndex(small_index.folder, cache_dir=jieba_cache)
    other.rebuild([doc(11, "Brand new article", "about passwords")])
    time.sleep(1.05)
    assert ids(small_index, "password") == [11]
