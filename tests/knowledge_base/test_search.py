"""Searching: English, Chinese and mixed text; what may be returned; hostile input."""

from __future__ import annotations

import pytest

from knowledge_base.index import KbIndex


def ids(index: KbIndex, query: str, **kwargs: object) -> list[int]:
    return [hit.id for hit in index.search(query, **kwargs).hits]  # type: ignore[arg-type]


def test_english_query_is_stemmed_and_finds_the_title(small_index: KbIndex) -> None:
    assert ids(small_index, "resetting passwords")[0] == 1


def test_chinese_query_finds_a_word_inside_a_longer_one(small_index: KbIndex) -> None:
    assert ids(small_index, "发票") == [2]
    assert ids(small_index, "开票") == [2]


def test_mixed_language_query_matches_both_scripts(small_index: KbIndex) -> None:
    assert ids(small_index, "CSV 导出")[0] == 7
    assert ids(small_index, "export 数据")[0] == 7


def test_drafts_and_archived_articles_are_never_returned(small_index: KbIndex) -> None:
    for query in ("Zebra plan launch price", "Unreleased pricing", "old shipping rates 2019"):
        for include_internal in (False, True):
            found = ids(small_index, query, include_internal=include_internal)
            assert 4 not in found and 6 not in found
    assert small_index.suggest("Zebr").hits == []


def test_draft_words_never_appear_in_did_you_mean(small_index: KbIndex) -> None:
    assert small_index.search("zebro").did_you_mean in (None, "zebro")


def test_internal_articles_only_when_asked(small_index: KbIndex) -> None:
    assert 5 not in ids(small_index, "supervisor approve refund")
    assert 5 not in ids(small_index, "supervisor", locale="en", category="billing")
    assert ids(small_index, "supervisor approve", include_internal=True)[0] == 5
    assert 5 not in [h.id for h in small_index.suggest("supervis").hits]


def test_filters_by_locale_and_category(small_index: KbIndex) -> None:
    assert ids(small_index, "refund 发票", locale="zh-CN") == [2]
    assert ids(small_index, "refund 发票", locale="en") == [3]
    assert set(ids(small_index, "refund 发票 password", category="billing")) == {2, 3}


def test_hits_carry_what_a_results_page_needs(small_index: KbIndex) -> None:
    hit = small_index.search("refund").hits[0]
    assert (hit.id, hit.title, hit.slug) == (3, "Refund policy", "a-3")
    assert (hit.locale, hit.category) == ("en", "billing")
    assert hit.score > 0
    assert "<mark>refund</mark>" in hit.snippet


def test_snippet_escapes_article_text(tmp_path, jieba_cache) -> None:  # type: ignore[no-untyped-def]
    from tests.knowledge_base.conftest import doc

    index = KbIndex(tmp_path / "ix", cache_dir=jieba_cache)
    index.rebuild([doc(1, "Tags", "Type `<script>alert(1)</script>` into the refund box & wait.")])
    snippet = index.search("refund").hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<mark>refund</mark>" in snippet


def test_misspelt_english_is_found_and_corrected(demo_index: KbIndex, demo_stems: dict[int, str]) -> None:
    results = demo_index.search("pasword reset")
    assert demo_stems[results.hits[0].id] == "en-reset-password"
    assert results.did_you_mean == "password reset"
    assert demo_index.search("password reset").did_you_mean is None


def test_chinese_is_never_fuzzy_matched(small_index: KbIndex) -> None:
    assert ids(small_index, "发漂") == []


@pytest.mark.parametrize(
    "query",
    [
        "", "   ", "title:", "title:password", "*", "pass*", "?", "AND", "OR NOT", "a AND OR NOT b",
        '"unbalanced quote', "(unbalanced bracket", "[to TO]", "{}", "^2", "~", "field:\"x", "\\", "\x00",
        "x" * 10_000, "发票 " * 3000, "refund " * 2000, "<script>alert(1)</script>", "%s%n", "🙂🙂", "ﬁle",
    ],
)
def test_hostile_queries_never_raise(small_index: KbIndex, query: str) -> None:
    results = small_index.search(query)
    assert results.total >= len(results.hits)
    small_index.suggest(query)


def test_whoosh_syntax_is_taken_as_words(small_index: KbIndex) -> None:
    assert ids(small_index, "title:password")[0] == 1
    assert ids(small_index, "password AND NOT refund")[0] == 1


def test_empty_query_finds_nothing(small_index: KbIndex) -> None:
    assert small_index.search("").hits == []
    assert small_index.search("the of and").hits == []


def test_suggest_completes_the_word_being_typed(small_index: KbIndex) -> None:
    assert [h.id for h in small_index.suggest("how do I reset my passw").hits][0] == 1
    assert [h.id for h in small_index.suggest("refu").hits] == [3]
    assert small_index.suggest("refu").hits[0].snippet == ""
