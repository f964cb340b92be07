"""Markdown for articles: sanitised HTML for pages, plain text for the index, and friendly slugs."""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "img",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"align"}, "th": {"align"},
}


def to_html(markdown: str) -> str:
    """Render Markdown to HTML safe to put in a page (raw HTML in the source is escaped, then cleaned)."""
    return nh3.clean(
        _md.render(markdown),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def to_text(markdown: str) -> str:
    """The words of an article without markup, for indexing and snippets (one paragraph per line)."""
    parts: list[str] = []
    for token in _md.parse(markdown):
        if token.type == "inline":
            parts.append("".join(_child_text(child) for child in token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content.strip())
    return "\n".join(part for part in parts if part.strip())


def _child_text(token: Token) -> str:
    if token.type in ("softbreak", "hardbreak"):
        return " "
    return token.content if token.type in ("text", "code_inline", "image") else ""

_SLUG_DROP = re.compile(r"[^\w\u3400-\u9fff]+", re.UNICODE)


def slugify(title: str, max_length: int = 80) -> str:
    """A URL-friendly slug that keeps Chinese characters: ``无法登录怎么办`` stays readable in the address."""
    text = unicodedata.normalize("NFKC", title).lower()
    text = _SLUG_DROP.sub("-", text.replace("_", "-")).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text[:max_length].rstrip("-") or "article"
