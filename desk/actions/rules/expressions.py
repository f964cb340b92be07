"""Rules' regular expressions, bounded: an expression that backtracks too long on hostile
text (`(a+)+$` against 50 KB of "a") is refused when a rule is saved, and every search a
rule makes is cut off after the same time (no match) when it runs."""

from __future__ import annotations

import functools

import regex

from desk.i18n import _

# A regular expression that needs longer than this on a hostile sample is refused when saved,
# and any search is cut off after it when the rule runs (catastrophic backtracking).
REGEX_SECONDS = 0.05
_HOSTILE_SAMPLES = ("a" * 50_000, "a" * 50_000 + "!", "ab" * 25_000 + "!", " " * 50_000 + "x")


def regex_problem(pattern: str) -> str:
    """Why `pattern` cannot be a rule's regular expression ("" when it can)."""
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        return _("Not a valid regular expression.") if exc else ""
    try:
        for sample in _HOSTILE_SAMPLES:
            compiled.search(sample, timeout=REGEX_SECONDS)
    except TimeoutError:
        return _("This expression takes too long on long text (nested repetition such as (a+)+).")
    return ""


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


def bounded_search(pattern: str, text: str) -> bool:
    """A bounded search: an expression that backtracks too long does not match."""
    try:
        found = _compiled(pattern).search(text, timeout=REGEX_SECONDS)
        return found is not None
    except (TimeoutError, regex.error):
        return False
