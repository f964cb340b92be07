"""Synonym lists: the shipped list, an admin's edited list, and applying them at query time."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.index import KbIndex
from knowledge_base.synonyms import load_synonyms, parse_synonyms
from tests.knowledge_base.conftest import doc


def test_shipped_list_covers_both_languages() -> None:
    groups = load_synonyms().groups
    assert len(groups) >= 60
    assert tuple(g for g in groups if "refund" in g)[0][:2] == ("refund", "money back")
    assert any("退钱" in g and "退款" in g for g in groups)
    assert any("登不上" in g and "无法登录" in g for g in groups)


def test_parsing_skips_comments_blank_lines_and_single_words() -> None:
    synonyms = parse_synonyms("# comment\n\nRefund, Money Back ,reimburse\nlonely\n退款，退钱、返还 # note\n")
    assert synonyms.groups == (("refund", "money back", "reimburse"), ("退款", "退钱", "返还"))


def test_synonyms_apply_at_query_time_and_can_be_replaced(tmp_path: Path, jieba_cache: Path) -> None:
    index = KbIndex(tmp_path / "ix", cache_dir=jieba_cache, synonyms=parse_synonyms(""))
    index.rebuild([doc(1, "Refund policy", "We refund within 14 days."),
                   doc(2, "无法登录", "请检查密码。", locale="zh-CN")])
    assert index.search("money back").hits == []
    assert index.search("登不上").hits == []
    edited = tmp_path / "synonyms.txt"
    edited.write_text("refund, money back\n登不上, 无法登录\n", encoding="utf-8")
    index.set_synonyms(load_synonyms(edited))
    assert [h.id for h in index.search("how do i get my money back").hits] == [1]
    assert [h.id for h in index.search("登不上怎么办").hits] == [2]
