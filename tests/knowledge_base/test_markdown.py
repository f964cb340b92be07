"""Markdown to sanitised HTML and plain text; slugs."""

from __future__ import annotations

from knowledge_base.markdown import slugify, to_html, to_text


def test_html_is_sanitised() -> None:
    html = to_html("# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://e.com) **b**")
    assert "<script>" not in html and 'href="javascript' not in html and "&lt;script&gt;" in html
    assert '<a href="https://e.com"' in html and "<strong>b</strong>" in html and "<h1>" in html


def test_plain_text_keeps_words_and_drops_markup() -> None:
    text = to_text("# Title\n\nSome *emphasis*\nand a [link](https://e.com).\n\n```\ncode block\n```")
    assert text == "Title\nSome emphasis and a link.\ncode block"


def test_slug_keeps_chinese_and_is_url_friendly() -> None:
    assert slugify("无法登录怎么办？") == "无法登录怎么办"
    assert slugify("How do I get a Refund?") == "how-do-i-get-a-refund"
    assert slugify("发票 & VAT: 2026") == "发票-vat-2026"
    assert slugify("?!") == "article"

