"""Whether a rule's conditions hold for a ticket: pure functions over `Facts`.

Text is compared case- and width-insensitively (NFKC, casefold: "ＲＥＦＵＮＤ" is "refund"),
in English and Chinese alike; "any_words" takes words separated by spaces or commas and finds
each as a word in Latin text and as a substring in Chinese text (which has no spaces).

A group is compiled once into one Python function (`matcher`): its conditions become one
expression over the ticket's folded fields, cheap tests first (conditions have no side
effects, so their order changes no outcome, only how soon a group is decided)."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desk.actions.rules.definition import (
    TIME_FIELDS,
    Condition,
    Group,
    number_of,
    seconds_of,
)
from desk.actions.rules.expressions import bounded_search
from desk.actions.sla.calendar import Calendar, is_open

MAX_TEXT = 100_000  # what of a long message the text conditions read
_WORD_SPLIT = re.compile(r"[\s,，、;；]+")
_WORDS = re.compile(r"[^\W_]+")  # a word: letters and digits (Chinese runs count as one)
_OPEN = frozenset({"new", "open", "on_hold"})


class _Folded(dict[str, str]):
    """A field's folded text, made the first time a condition reads it."""

    def __init__(self, facts: Facts) -> None:
        super().__init__()
        self.facts = facts

    def __missing__(self, name: str) -> str:
        raw = self.facts.custom(name) if ":" in name else getattr(self.facts, name)
        value = self[name] = fold(str("" if raw is None else raw)[:MAX_TEXT])
        return value


class _Words(dict[str, frozenset[str]]):
    """The words of a field's folded text, made the first time a condition reads them."""

    def __init__(self, texts: _Folded) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, name: str) -> frozenset[str]:
        value = self[name] = frozenset(_WORDS.findall(self.texts[name]))
        return value


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
    idle: float = 0.0  # seconds since the ticket last changed
    unanswered: float = -1.0  # seconds since it came in with no public reply yet (-1: replied)
    rating: int = 0  # the survey answer's rating, on "survey_answered" (0: none)
    # When the event happened, and how to find the ticket's business-hours calendar (its SLA
    # policy's, else the default policy's): looked up only when a rule asks, once per event.
    at: datetime | None = None
    calendar: Callable[[], Calendar] | None = field(default=None, compare=False, repr=False)
    # Custom field values by key: the ticket's and its customer's.
    ticket_fields: Mapping[str, Any] = field(default_factory=dict, compare=False)
    customer_fields: Mapping[str, Any] = field(default_factory=dict, compare=False)
    # Folded text and words of the fields, made once per ticket when a condition first reads
    # them and shared by every rule (see __post_init__).
    texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    words: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        texts = _Folded(self)
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "words", _Words(texts))

    @property
    def sender_domain(self) -> str:
        return self.sender.rsplit("@", 1)[-1] if "@" in self.sender else ""

    def custom(self, name: str) -> Any:
        """The value of a custom field condition's field ("ticket_field:plan"), None when unset."""
        source, key = name.split(":", 1)
        return (self.ticket_fields if source == "ticket_field" else self.customer_fields).get(key)

    @functools.cached_property
    def in_business_hours(self) -> bool:
        """Whether the event happened within the calendar's working hours (False without a
        time or a calendar)."""
        if self.at is None or self.calendar is None:
            return False
        return is_open(self.calendar(), self.at)


Test = Callable[[Facts], bool]
# How soon each kind of test is decided: cheaper ones are tried first in a group.
_COST = {"tags": 0, "is": 1, "is_not": 1, "at_least": 1, "at_most": 1, "group": 3, "contains": 4,
         "not_contains": 4, "any_words": 5, "regex": 9}


def matches(group: Group, facts: Facts) -> bool:
    """Whether the group holds (compile it once with `matcher` to test many tickets)."""
    return matcher(group)(facts)


@functools.lru_cache(maxsize=2048)
def matcher(group: Group) -> Test:
    """The group as one function of the facts, compiled once per group (a rule's conditions
    run on every ticket event). The function's source names only generated constants, never
    rule text."""
    constants: dict[str, Any] = {"_search": bounded_search, "_OPEN": _OPEN, "_number": _number}
    body = _expression(group, constants)
    source = f"def test(f):\n    T = f.texts\n    W = f.words\n    return bool({body})\n"
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<rule>", "exec"), namespace)  # noqa: S102 - our own generated source
    test: Test = namespace["test"]
    return test


@functools.lru_cache(maxsize=256)
def set_matcher(groups: tuple[Group, ...]) -> Callable[[Facts], tuple[bool, ...]]:
    """Every group of a rule set at once, as one function of the facts returning whether each
    holds (in order): what `run_rules` asks of a ticket. One call and one look-up of the
    folded fields for the whole set rather than one per rule."""
    constants: dict[str, Any] = {"_search": bounded_search, "_OPEN": _OPEN, "_number": _number}
    held = "".join(f"        True if {_expression(group, constants)} else False,\n" for group in groups)
    source = f"def test(f):\n    T = f.texts\n    W = f.words\n    return (\n{held}    )\n"
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<rules>", "exec"), namespace)  # noqa: S102 - our own generated source
    test: Callable[[Facts], tuple[bool, ...]] = namespace["test"]
    return test


def _expression(group: Group, constants: dict[str, Any]) -> str:
    parts = sorted(((_cost(item), _expression(item, constants) if isinstance(item, Group)
                     else _condition(item, constants)) for item in group.items), key=lambda p: p[0])
    if not parts:
        return "True" if group.match == "all" else "False"
    return "(" + (" and " if group.match == "all" else " or ").join(p for _, p in parts) + ")"


def _cost(item: Condition | Group) -> int:
    if isinstance(item, Group):
        return _COST["group"]
    if item.field == "business_hours":  # may look up the calendar: after the plain tests
        return _COST["group"]
    return _COST.get(item.op, 5)


def _constant(constants: dict[str, Any], value: Any) -> str:
    name = f"c{len(constants)}"
    constants[name] = value
    return name


def _condition(condition: Condition, constants: dict[str, Any]) -> str:
    name, op, value = condition.field, condition.op, condition.value
    if name in TIME_FIELDS:
        return _time(name, seconds_of(value), constants)
    if name == "business_hours":
        return "f.in_business_hours" if value == "yes" else "(not f.in_business_hours)"
    if name == "rating":
        compare = {"is": "==", "at_most": "<=", "at_least": ">="}[op]
        return f"(0 < f.rating {compare} {_constant(constants, int(value.strip()))})"
    n = _constant(constants, name)
    if ":" in name and op in ("at_least", "at_most"):  # a custom field, as a number
        compare = ">=" if op == "at_least" else "<="
        return f"(_number(f, {n}) {compare} {_constant(constants, number_of(value))})"
    if name == "tags":
        tag = _constant(constants, fold(value.strip()))
        return f"({tag} in f.tags)" if op == "has" else f"({tag} not in f.tags)"
    if op == "regex":  # on the folded text: the expression ignores case, and width too
        return f"_search({_constant(constants, value)}, T[{n}])"
    folded = _constant(constants, fold(value))
    if op in ("is", "is_not", "contains", "not_contains"):
        return {"is": f"(T[{n}] == {folded})", "is_not": f"(T[{n}] != {folded})",
                "contains": f"({folded} in T[{n}])", "not_contains": f"({folded} not in T[{n}])"}[op]
    latin, other = _value_words(value)  # any_words
    tests = []
    if latin:
        tests.append(f"not {_constant(constants, latin)}.isdisjoint(W[{n}])")
    if other:  # found anywhere, in one scan
        pieces = _constant(constants, re.compile("|".join(map(re.escape, other))).search)
        tests.append(f"{pieces}(T[{n}]) is not None")
    return "(" + " or ".join(tests) + ")" if tests else "False"


def _time(name: str, seconds: int, constants: dict[str, Any]) -> str:
    limit = _constant(constants, seconds)
    if name == "pending_for":
        return f"(f.status == 'pending' and f.idle >= {limit})"
    if name == "unassigned_for":
        return f"(f.assignee == '' and f.status in _OPEN and f.idle >= {limit})"
    return f"(f.unanswered >= {limit} and f.status in _OPEN)"  # no_agent_reply_for


def _number(facts: Facts, name: str) -> float:
    """A custom field's number; NaN when it has none (no comparison with NaN holds)."""
    found = number_of(facts.custom(name))
    return math.nan if found is None else found


def fold(text: str) -> str:
    """Case- and width-insensitive form of `text`."""
    if text.isascii():  # NFKC leaves ASCII alone, and casefold is lower there
        return text.lower()
    if unicodedata.is_normalized("NFKC", text):  # a quick check: most text already is
        return text.casefold()
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=4096)
def _value_words(value: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(words found as whole words in Latin text, pieces found anywhere: Chinese has no spaces)."""
    words = [w for w in _WORD_SPLIT.split(fold(value)) if w]
    latin = frozenset(w for w in words if w.isascii() and _WORDS.fullmatch(w))
    return latin, tuple(w for w in words if w not in latin)


