"""HTML from mail: sanitised for display, and turned into plain text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3

_BLOCK = frozenset(
    ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
     "ul", "ol", "hr", "section", "article", "header", "footer")
)  # fmt: skip
_HIDDEN = frozenset(("script", "style", "head", "title"))
_BLANK_LINES = re.compile(r"\n[ \t\xa0]*\n(?:[ \t\xa0]*\n)+")
_SPACES = re.compile(r"[ \t\xa0]+")
# cid: stays so that inline images can be pointed at their stored attachment later.
_URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}
# A mail's look, kept: inline styles, but only these properties (colours, type, alignment,
# spacing and borders). Nothing that places or layers a box (position, z-index, transform,
# display) or loads anything (background-image, url(), @import, behavior), so a mail can
# neither cover the page it is shown in nor call home.
STYLE_PROPERTIES = frozenset((
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant", "text-decoration", "text-align", "text-transform", "text-indent",
    "vertical-align", "white-space", "line-height", "letter-spacing", "word-spacing",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "width", "max-width", "min-width", "height", "list-style-type",
))  # fmt: skip
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {*_ATTRIBUTES.get("*", set()), "style"}
# Of the functions a value may call, only colours; no escapes, no at-rules, no markup.
_COLOUR_FUNCTION = re.compile(r"\b(?:rgba?|hsla?)\([\d\s.,%/]*\)", re.IGNORECASE)
_UNSAFE_IN_STYLE = re.compile(r"[()\\@<>]")


def _style(value: str) -> str | None:
    """A style attribute (already cut to STYLE_PROPERTIES by nh3) without any declaration
    that calls a function other than a colour's or hides something in escapes."""
    kept = [d for d in value.split(";")
            if d.strip() and not _UNSAFE_IN_STYLE.search(_COLOUR_FUNCTION.sub("", d))]
    return ";".join(kept) or None


def _no_unsafe_style(tag: str, attribute: str, value: str) -> str | None:
    return _style(value) if attribute == "style" else value


def sanitise(html: str) -> str:
    """HTML safe to show an agent: no script, event handlers, javascript: URLs or frames."""
    return nh3.clean(html, url_schemes=_URL_SCHEMES, attributes=_ATTRIBUTES,
                     filter_style_properties=STYLE_PROPERTIES, attribute_filter=_no_unsafe_style)


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_ATTRIBUTES = frozenset(("href", "src", "cite"))


def for_display(html: str, inline: Mapping[str, str], files: Mapping[str, str]) -> tuple[str, bool]:
    """Stored mail HTML sanitised again to be shown as it was formatted (it may predate
    today's `sanitise`), with its ``cid:`` references resolved: an image's to the URL
    ``inline`` gives its Content-ID, a link's to ``files``' URL; an unknown Content-ID, and
    any relative URL (it would reach the desk's own pages), are dropped. Returns the HTML and
    whether it asks for remote images (the page showing it blocks them)."""
    remote = False

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal remote
        if attribute == "style":
            return _style(value)
        if attribute not in _URL_ATTRIBUTES:
            return value
        scheme = _SCHEME.match(value.strip())
        if scheme is None:
            return None
        if scheme.group(1).lower() == "cid":  # RFC 2392: the Content-ID, URL-encoded
            content_id = unquote(value.strip()[4:]).strip("<>")
            return (inline if tag == "img" else files).get(content_id)
        if tag == "img":
            remote = True
        return value

    cleaned = nh3.clean(html, url_schemes=_URL_SCHEMES, attribute_filter=keep,
                        attributes=_ATTRIBUTES, filter_style_properties=STYLE_PROPERTIES,
                        set_tag_attribute_values={"a": {"target": "_blank"}})
    return cleaned, remote


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(_SPACES.sub(" ", data.replace("\r", "").replace("\n", " ")))


def to_text(html: str) -> str:
    """Readable text of an HTML body: block elements become line breaks."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (line.strip() for line in "".join(collector.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
