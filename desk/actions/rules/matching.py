"""Whether a rule's conditions hold for a ticket: pure functions over `Facts`.

Text is compared case- and width-insensitively (NFKC, casefold: "ＲＥＦＵＮＤ" is "refund"),
in English and Chinese alike; "any_words" takes words separated by spaces or commas and finds
each as a word in Latin text and as a substring in Chinese text (which has no spaces)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from desk.actions.rules.definition import REGEX_SECONDS, Condition, Group

MAX_TEXT = 100_000  # what of a long message the text conditions read
_WORD_SPLIT = re.compile(r"[\s,，、;；]+")
_WORDS = re.compile(r"[^\W_]+")  # a word: letters and digits (Chinese runs count as one)


@dataclass(frozen=True)
class Facts:
    """What conditions look at, for one ticket at one event."""

    channel: str = ""
    mailbox: str = ""
    subject: str = ""
    body: str = ""  # the message that caused the event
    sender: str = ""  # the customer's address (or other identity)
    tier: str = ""
    organization: str = ""
    tags: frozenset[str] = frozenset()
    status: str = ""
    priority: str = ""
    team: str = ""  # the team's id as text ("" when none)
    assignee: str = ""  # the assignee's id as text
    language: str = ""
    # Folded text of every field and the words of the text fields, made once per ticket and
    # shared by every rule (see __post_init__).
    texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    words: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in _FOLDED:
            self.texts[name] = fold(str(getattr(self, name))[:MAX_TEXT])
        for name in _WORDED:
            self.words[name] = frozenset(_WORDS.findall(self.texts[name]))

    @property
    def sender_domain(self) -> str:
        return self.sender.rsplit("@", 1)[-1] if "@" in self.sender else ""


_FOLDED = ("channel", "mailbox", "subject", "body", "sender", "sender_domain", "tier", "organization",
           "status", "priority", "team", "assignee", "language")
_WORDED = ("subject", "body", "sender", "sender_domain", "organization")
Test = Callable[[Facts], bool]


def matches(group: Group, facts: Facts) -> bool:
    """Whether the group holds (compile it once with `matcher` to test many tickets)."""
    return matcher(group)(facts)


def matcher(group: Group) -> Test:
    """The group as one function of the facts: each condition compiled once into a closure
    over its folded value (rules are read and compiled once, run on every ticket)."""
    tests = tuple(_compiled_condition(item) if isinstance(item, Condition) else matcher(item)
                  for item in group.items)
    return _chain(tests, every=group.match == "all")


def _chain(tests: tuple[Test, ...], every: bool) -> Test:
    """`and` (every) or `or` of the tests, short-circuiting, as one nest of closures."""
    if not tests:
        return lambda facts: every
    head, rest = tests[0], tests[1:]
    if not rest:
        return head
    tail = _chain(rest, every)
    if every:
        return lambda facts: head(facts) and tail(facts)
    return lambda facts: head(facts) or tail(facts)


def _compiled_condition(condition: Condition) -> Test:
    name, op, value = condition.field, condition.op, condition.value
    if name == "tags":
        tag = fold(value.strip())
        return (lambda facts: tag in facts.tags) if op == "has" else (lambda facts: tag not in facts.tags)
    if op == "regex":  # on the folded text: the expression ignores case, and width too
        return lambda facts: _search(value, facts.texts[name])
    folded = fold(value)
    if op == "is":
        return lambda facts: facts.texts[name] == folded
    if op == "is_not":
        return lambda facts: facts.texts[name] != folded
    if op == "contains":
        return lambda facts: folded in facts.texts[name]
    if op == "not_contains":
        return lambda facts: folded not in facts.texts[name]
    latin, other = _value_words(value)  # any_words
    if not other:
        return lambda facts: not latin.isdisjoint(facts.words[name])
    pieces = re.compile("|".join(map(re.escape, other)))  # found anywhere, in one scan
    if not latin:
        return lambda facts: pieces.search(facts.texts[name]) is not None
    return lambda facts: (not latin.isdisjoint(facts.words[name])
                          or pieces.search(facts.texts[name]) is not None)


def fold(text: str) -> str:
    """Case- and width-insensitive form of `text`."""
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=4096)
def _value_words(value: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(words found as whole words in Latin text, pieces found anywhere: Chinese has no spaces)."""
    words = [w for w in _WORD_SPLIT.split(fold(value)) if w]
    latin = frozenset(w for w in words if w.isascii() and _WORDS.fullmatch(w))
    return latin, tuple(w for w in words if w not in latin)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


def _search(pattern: str, text: str) -> bool:
    """A bounded search: an expression that backtracks too long does not match."""
    try:
        found = _compiled(pattern).search(text, timeout=REGEX_SECONDS)
        return found is not None
    except (TimeoutError, regex.error):
        return False
