"""Fixtures for the knowledge-base search core: one jieba cache per run, indexes in temp folders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base.documents import ArticleDoc
from knowledge_base.importer import read_folder
from knowledge_base.index import KbIndex

DEMO = Path(__file__).resolve().parents[2] / "knowledge_base" / "demo"


@pytest.fixture(scope="session")
def jieba_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jieba")


@pytest.fixture(scope="session")
def demo_stems() -> dict[int, str]:
    articles, _ = read_folder(DEMO)
    return {n: a.source_key.removesuffix(".md") for n, a in enumerate(articles, start=1)}


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory, jieba_cache: Path) -> KbIndex:
    """The demo knowledge base, indexed once for the read-only tests."""
    articles, problems = read_folder(DEMO)
    assert problems == []
    index = KbIndex(tmp_path_factory.mktemp("demo-index"), cache_dir=jieba_cache)
    index.rebuild(a.to_doc(n) for n, a in enumerate(articles, start=1))
    return index


def doc(id: int, title: str, body: str, **fields: object) -> ArticleDoc:
    values: dict[str, object] = {
        "locale": "en", "category": "general", "slug": f"a-{id}",
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(fields)
    return ArticleDoc(id=id, title=title, body_markdown=body, **values)  # type: ignore[arg-type]


@pytest.fixture
def small_index(tmp_path: Path, jieba_cache: Path) -> KbIndex:
    index = KbIndex(tmp_path / "index", cache_dir=jieba_cache)
    index.rebuild([
        doc(1, "Reset your password", "Click *Forgot password* on the sign-in page."),
        doc(2, "如何开具发票", "在账单页面申请开票，电子发票发送到邮箱。",
            locale="zh-CN", category="billing"),
        doc(3, "Refund policy", "Full refund within 14 days.", category="billing"),
        doc(4, "Unreleased pricing", "Secret launch price for the Zebra plan.", status="draft"),
        doc(5, "Agent macro: refunds above $500", "Ask a supervisor to approve the refund.",
            visibility="internal", category="billing"),
        doc(6, "Old shipping rates", "Rates from 2019.", status="archived"),
        doc(7, "导出 CSV 数据 export", "Use Settings → Data → Export 导出为 CSV。", locale="zh-CN"),
    ])
    return index
