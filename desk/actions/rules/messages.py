"""What the rule actions that write say, and to whom: "reply" (a template to the customer, in
their language, optionally with the knowledge-base articles that match the subject) and
"notify" (the assignee, a named agent or the team, in the app or by mail). Pure checks.

    {"type": "reply", "value": {"en": "Hello {{customer.name}}, we have your request.",
                                "zh": "{{customer.name}}，您好：我们已收到您的请求。", "articles": true}}
    {"type": "notify", "value": {"to": "team", "by": "email", "note": "VIP waiting"}}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from desk.i18n import _
from desk.macro_text import unknown_placeholders

LANGUAGES = ("en", "zh")
REPLY_MAX = 5000
NOTE_MAX = 500
RECIPIENTS = ("assignee", "team")
WAYS = ("in_app", "email")


def reply_problem(value: Any) -> str:
    """Why `value` is not a reply template ("" when it is)."""
    if not isinstance(value, Mapping) or set(value) - {*LANGUAGES, "articles"}:
        return _("A reply has an English and a Chinese text (en, zh) and, optionally, articles.")
    texts = [value.get(lang, "") for lang in LANGUAGES]
    if not all(isinstance(t, str) for t in texts) or not any(t.strip() for t in texts):
        return _("Write the reply in English, Chinese or both.")
    if any(len(t) > REPLY_MAX for t in texts):
        return _("A reply is at most 5000 characters.")
    if not isinstance(value.get("articles", False), bool):
        return _("Articles: yes or no.")
    unknown = [name for t in texts for name in unknown_placeholders(t)]
    if unknown:
        return _("Unknown placeholder: %(name)s") % {"name": unknown[0]}
    return ""


def notify_problem(value: Any, agents: Collection[int]) -> str:
    """Why `value` is not a notification ("" when it is)."""
    if not isinstance(value, Mapping) or set(value) - {"to", "by", "note"}:
        return _("A notification says to whom (to) and how (by).")
    to = value.get("to")
    named = isinstance(to, int) and not isinstance(to, bool)
    if to not in RECIPIENTS and not (named and to in agents):
        return _("The assignee, the team or an active agent.")
    if value.get("by", "in_app") not in WAYS:
        return _("In the app or by email.")
    note = value.get("note", "")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        return _("A note of at most 500 characters.")
    return ""


def reply_text(value: Mapping[str, Any], language: str) -> str:
    """The template in the customer's language (Chinese for zh*, else English), falling back
    to the other when that one is empty."""
    first, second = ("zh", "en") if language.lower().startswith("zh") else ("en", "zh")
    return str(value.get(first) or value.get(second) or "")
