"""The boundary matcher email.feedparser is given matches exactly as its own pattern would."""

from __future__ import annotations

import itertools
import re
from email import feedparser, message_from_bytes
from email.policy import compat32

from channels.email import boundaries

SEPARATORS = ["--abc", "----=_NextPart_000_0001_01D9", "--=_Part_0_123.456+x", "--a b(c)?*",
              "--\u00e9t\u00e9", "--", "---"]
ENDINGS = ["", "\n", "\r", "\r\n", "\n\n", "\r\n\n", "\r\r\n", "\n\r", "x", "x\n", " x\n", "\t"]


def _lines(separator: str) -> list[str]:
    lines = []
    for before, middle, end in itertools.product(
            ("", "-", " ", separator[:-1]), ("", "--", "-", "---", " ", " \t ", "--  ", "def"),
            ENDINGS):
        lines.append(before + separator + middle + end)
    return lines


def _groups(match: object) -> tuple[object, ...] | None:
    if match is None:
        return None
    return tuple(match.group(name) for name in ("sep", "end", "ws", "linesep"))  # type: ignore[attr-defined]


def test_it_matches_every_line_as_the_pattern_does() -> None:
    compared = 0
    for separator in SEPARATORS:
        pattern = boundaries.PREFIX + re.escape(separator) + boundaries.SUFFIX
        fast = boundaries.compile_boundary(pattern)
        assert fast is not None
        slow = re.compile(pattern)
        for line in _lines(separator):
            assert _groups(fast.match(line)) == _groups(slow.match(line)), (separator, line)
            if slow.match(line):
                assert fast.match(line).group(0) == slow.match(line).group(0)  # type: ignore[union-attr]
            compared += 1
    assert compared > 2000


def test_other_patterns_still_compile_as_regular_expressions() -> None:
    assert boundaries.compile_boundary(r"(?P<sep>--a)(?P<end>--)?$") is None
    assert boundaries.compile_boundary(r"\r\n|\r|\n") is None
    compiled = feedparser.re.compile(r"(\r\n|\r|\n)\Z")
    assert isinstance(compiled, re.Pattern)


def test_the_parser_uses_it_and_reads_nested_multipart_the_same() -> None:
    import channels.email.parse  # noqa: F401  (installs it)

    assert isinstance(feedparser.re.compile(boundaries.PREFIX + re.escape("--x") + boundaries.SUFFIX),
                      boundaries.Boundary)
    raw = (b"Content-Type: multipart/mixed; boundary=\"outer+1\"\r\n\r\npreamble\r\n"
           b"--outer+1\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n"
           b"--in\r\nContent-Type: text/plain\r\n\r\nplain\r\n--in \t\r\n"
           b"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--in--\r\n"
           b"--outer+1\r\nContent-Type: text/plain\r\n\r\n--outer+1x is not a boundary\r\n"
           b"--outer+1--\r\nepilogue\r\n")
    message = message_from_bytes(raw, policy=compat32)
    parts = [(p.get_content_type(), p.get_payload()) for p in message.walk()
             if not p.is_multipart()]
    assert parts == [("text/plain", "plain"), ("text/html", "<p>html</p>"),
                     ("text/plain", "--outer+1x is not a boundary")]
    assert message.preamble == "preamble" and message.epilogue == "epilogue\r\n"
    assert not message.defects
