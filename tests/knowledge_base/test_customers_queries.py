"""Customers' ways of asking (issue 17): the query's language wins, synonym groups mix languages and
count once, fillers weigh nothing, and hits say how sure the search is (the full set's numbers:
bench/kb_relevance_customers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import query as wq

from knowledge_base.analysis import segmenter_for, words
from knowledge_base.index import KbIndex
from knowledge_base.query import build_query
from knowledge_base.searching import CONFIDENT, query_locale
from knowledge_base.synonyms import SynonymMatcher, parse_synonyms

from .conftest import doc


def _no_corrections(word: str) -> list[str]:
    return []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("password 忘了", "zh-reset-password"),
        ("怎么 cancel 订阅", "zh-cancel-subscription"),
        ("网页版 login 不了", "zh-cannot-log-in"),
        ("iPhone 上 app 打不开了", "zh-app-crash"),
        ("app crashes on start", "en-app-crashes"),
        ("refund", "en-refund-policy"),
    ],
)
def test_the_article_in_the_querys_language_comes_first(
    demo_index: KbIndex, demo_stems: dict[int, str], query: str, expected: str
) -> None:
    assert demo_stems[demo_index.search(query, limit=1).hits[0].id] == expected


def test_a_locale_asked_for_still_filters(demo_index: KbIndex, demo_stems: dict[int, str]) -> None:
    hits = demo_index.search("password 忘了", locale="en").hits
    assert hits and all(demo_stems[h.id].startswith("en-") for h in hits)


def test_query_locale_is_the_script() -> None:
    assert query_locale("iPhone 上 app 登不上") == "zh-CN"
    assert query_locale("cannot log in") == "en"


def test_a_mixed_group_gives_chinese_members_only_to_a_query_with_chinese(jieba_cache: Path) -> None:
    matcher = SynonymMatcher(parse_synonyms("login, sign in, 登录"), segmenter_for(jieba_cache))
    english = build_query("login problem", matcher, _no_corrections)
    mixed = build_query("login 不了", matcher, _no_corrections)
    assert "登录" not in english.terms and "sign" in english.terms
    assert {"登录", "sign"} <= mixed.terms


def test_a_synonym_group_is_one_clause_scored_by_its_best_member(jieba_cache: Path) -> None:
    matcher = SynonymMatcher(parse_synonyms("refund, money back, reimbursement"), segmenter_for(jieba_cache))
    built = build_query("refund", matcher, _no_corrections)
    assert isinstance(built.query, wq.DisjunctionMax)


def test_a_group_does_not_outweigh_a_word_by_its_many_members(tmp_path: Path, jieba_cache: Path) -> None:
    index = KbIndex(tmp_path / "index", cache_dir=jieba_cache,
                    synonyms=parse_synonyms("refund, money back, reimbursement, repayment"))
    index.rebuild([
        doc(1, "Refunds and reimbursement", "A refund, money back, reimbursement or repayment."),
        doc(2, "Refunds for damaged parcels", "A refund for a damaged parcel."),
    ])
    # Document 1 has every member, document 2 the member said and the other word said.
    assert [h.id for h in index.search("refund damaged").hits][:1] == [2]


def test_the_pieces_of_a_chinese_stop_word_are_stop_words(jieba_cache: Path) -> None:
    analysed = words(segmenter_for(jieba_cache), "忘记密码怎么办")
    assert {w.text for w in analysed if not w.stop} >= {"忘记", "密码"}
    assert all(w.stop for w in analysed if w.text in {"怎么", "么办", "怎么办"})


def test_greetings_and_fillers_are_not_searched(jieba_cache: Path) -> None:
    matcher = SynonymMatcher(parse_synonyms(""), segmenter_for(jieba_cache))
    assert build_query("hi there, thanks guys", matcher, _no_corrections).query is None
    assert build_query("你好，谢谢", matcher, _no_corrections).query is None


def test_confidence_is_high_for_an_answered_question_and_low_for_one_nobody_answered(
    demo_index: KbIndex, demo_stems: dict[int, str]
) -> None:
    answered = demo_index.search("how to reset my password").hits[0]
    assert demo_stems[answered.id] == "en-reset-password"
    assert answered.confident and 0 < answered.confidence <= 1
    unknown = demo_index.search("can i pay in bitcoin or dogecoin at the kiosk").hits
    assert not unknown or not unknown[0].confident
    assert all(h.confidence < CONFIDENT for h in unknown)
