"""A macro's placeholders: which are known, and filling them in."""

from __future__ import annotations

from desk.macro_text import article_ids, fill, unknown_placeholders


def test_known_placeholders_with_or_without_spaces_are_not_unknown() -> None:
    text = "Hi {{customer.name}}, #{{ ticket.number }} ({{ticket.subject}}) - {{agent.name}} {{article:12}}"
    assert unknown_placeholders(text) == []


def test_unknown_placeholders_are_named_once_each_in_order() -> None:
    text = "{{customer.nmae}} {{ticket.number}} {{foo}} {{customer.nmae}} {{article:x}}"
    assert unknown_placeholders(text) == ["customer.nmae", "foo", "article:x"]


def test_fill_replaces_fields_and_articles_and_keeps_what_it_cannot_fill() -> None:
    text = "您好 {{customer.name}}，工单 #{{ticket.number}}：{{article:7}} {{article:8}}"
    filled = fill(text, {"customer.name": "王芳", "ticket.number": "42"},
                  {7: "Reset: https://desk.example/help/articles/7-reset"})
    assert filled == ("您好 王芳，工单 #42：Reset: https://desk.example/help/articles/7-reset "
                      "{{article:8}}")
    assert article_ids(text) == [7, 8]
