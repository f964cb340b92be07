"""Multipart boundaries matched without compiling a regular expression for each one.

The standard library's ``email.feedparser`` compiles a new regular expression for every
multipart part it reads (the boundary is part of the pattern), and boundaries are unique,
so ``re``'s cache never helps: on Desk's mail that compile was about a sixth of the parse.
`install` gives ``email.feedparser`` a ``re`` whose ``compile`` answers that one pattern
with `Boundary`, a plain-string matcher that gives the same matches and groups as the
pattern; every other pattern (and that one, should a Python version write it differently)
goes to ``re.compile`` as before. tests/channels/email/test_boundaries.py compares the two
on every kind of line."""

from __future__ import annotations

import re
from email import feedparser
from types import ModuleType
from typing import Any

# The pattern email.feedparser writes (Python 3.11 to 3.13), around re.escape(separator).
PREFIX = "(?P<sep>"
SUFFIX = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_LINESEPS = ("\r\n", "\r", "\n")


class BoundaryMatch:
    """What ``re.Match`` offers that email.feedparser reads: ``group(name)``."""

    __slots__ = ("_groups",)

    def __init__(self, sep: str, end: str | None, ws: str, linesep: str | None) -> None:
        self._groups = {"sep": sep, "end": end, "ws": ws, "linesep": linesep}

    def group(self, name: str | int = 0) -> str | None:
        if name == 0:
            parts = (self._groups["sep"], self._groups["end"], self._groups["ws"],
                     self._groups["linesep"])
            return "".join(p for p in parts if p)
        return self._groups[str(name)]


class Boundary:
    """``re.compile(PREFIX + re.escape(separator) + SUFFIX)``, as far as ``match`` goes."""

    __slots__ = ("pattern", "_separator")

    def __init__(self, separator: str, pattern: str) -> None:
        self._separator = separator
        self.pattern = pattern

    def match(self, line: str) -> BoundaryMatch | None:
        if not line.startswith(self._separator):
            return None
        rest = line[len(self._separator):]
        end = None
        if rest.startswith("--"):  # without it the line could not match either: '-' is no space
            end, rest = "--", rest[2:]
        tail = rest.lstrip(" \t")
        ws = rest[:len(rest) - len(tail)]
        # (?P<linesep>\r\n|\r|\n)?$ tried in the pattern's order; "$" also matches just
        # before a last "\n".
        for linesep in _LINESEPS:
            if tail.startswith(linesep) and tail[len(linesep):] in ("", "\n"):
                return BoundaryMatch(self._separator, end, ws, linesep)
        if tail in ("", "\n"):
            return BoundaryMatch(self._separator, end, ws, None)
        return None


def compile_boundary(pattern: str) -> Boundary | None:
    """A `Boundary` for a pattern of that form, else None."""
    if not (pattern.startswith(PREFIX) and pattern.endswith(SUFFIX)):
        return None
    escaped = pattern[len(PREFIX):-len(SUFFIX)]
    separator = _UNESCAPE.sub(r"\1", escaped)
    if re.escape(separator) != escaped:
        return None
    return Boundary(separator, pattern)


class _FeedparserRe(ModuleType):
    """``re`` for email.feedparser: the same module but for boundary patterns."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: Any, flags: int = 0) -> Any:
        if not flags and isinstance(pattern, str):
            boundary = compile_boundary(pattern)
            if boundary is not None:
                return boundary
        return re.compile(pattern, flags)


def install() -> None:
    """Give email.feedparser the boundary matcher (once per process; idempotent)."""
    if not isinstance(getattr(feedparser, "re", None), _FeedparserRe):
        setattr(feedparser, "re", _FeedparserRe("re"))  # noqa: B010 - not a public name
