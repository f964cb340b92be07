"""A macro's text: its placeholders, which of them are known, and filling them in. Pure.

``{{customer.name}}``, ``{{customer.email}}``, ``{{ticket.number}}``, ``{{ticket.subject}}``,
``{{agent.name}}`` and ``{{article:ID}}`` (a knowledge-base article's title and link); spaces
inside the braces are allowed. Anything else in double braces is unknown, and a macro holding
one is refused when saved."""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]{0,100}?)\s*\}\}")
ARTICLE = re.compile(r"article:(\d{1,9})")
FIELDS = ("customer.name", "customer.email", "ticket.number", "ticket.subject", "agent.name")


def placeholders(text: str) -> list[str]:
    """Every placeholder's name, in order, repeats kept."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def unknown_placeholders(text: str) -> list[str]:
    """The names Desk cannot fill, each once, in order."""
    seen: list[str] = []
    for name in placeholders(text):
        if name not in FIELDS and not ARTICLE.fullmatch(name) and name not in seen:
            seen.append(name)
    return seen


def article_ids(text: str) -> list[int]:
    """The articles the text links to, each once."""
    ids: list[int] = []
    for name in placeholders(text):
        if (m := ARTICLE.fullmatch(name)) and int(m.group(1)) not in ids:
            ids.append(int(m.group(1)))
    return ids


def fill(text: str, values: dict[str, str], articles: dict[int, str]) -> str:
    """The text with each placeholder replaced: ``values`` by field name, ``articles`` by id
    (the link text to put in, e.g. "Title: https://…/help/articles/7-slug"). An unknown or
    unfilled placeholder is left as written, so nothing is silently dropped."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if (m := ARTICLE.fullmatch(name)) and int(m.group(1)) in articles:
            return articles[int(m.group(1))]
        return match.group(0)

    return PLACEHOLDER.sub(one, text)
