"""A few representative queries against the demo knowledge base (the full set: bench/kb_relevance.py)."""

from __future__ import annotations

import pytest

from knowledge_base.index import KbIndex


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("i cant log in", "en-cannot-log-in"),
        ("how do i get my money back", "en-refund-policy"),
        ("cancell subscribtion", "en-cancel-subscription"),
        ("where is my package", "en-track-order"),
        ("快递到哪了", "zh-track-order"),
        ("登不上怎么办", "zh-cannot-log-in"),
        ("我想退钱", "zh-refund-policy"),
        ("发票抬头写错了", "zh-invoice-correction"),
        ("app闪退", "zh-app-crash"),
    ],
)
def test_expected_article_is_in_the_top_three(
    demo_index: KbIndex, demo_stems: dict[int, str], query: str, expected: str
) -> None:
    assert expected in [demo_stems[hit.id] for hit in demo_index.search(query, limit=3).hits]
