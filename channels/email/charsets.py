"""Decoding bytes whose declared charset cannot be trusted.

Mail clients mislabel: GBK text declared gb2312, UTF-8 declared us-ascii,
8-bit headers with no label at all. We read each label as its widest common
superset and fall back to guessing when the label does not fit the bytes.
"""

from __future__ import annotations

import codecs
import functools
import re

_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "utf8": "utf-8",
    "x-utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-2022-jp": "iso2022_jp_ext",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "tis-620": "cp874",
}
_UNKNOWN = {"", "unknown-8bit", "x-unknown", "unknown", "8bit", "default", "charset"}
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# Labels clients put on UTF-8 by mistake; real Latin-1 text is almost never valid UTF-8.
_UTF8_FIRST = frozenset(("cp1252", "iso8859-15"))


@functools.lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec to read `label` with, or None when the label is unknown."""
    name = (label or "").strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def guess(data: bytes) -> str:
    """Bytes with no usable label: UTF-8 if it fits, then GB18030, else cp1252."""
    if not _NON_ASCII.search(data):
        return data.decode("ascii")
    for codec in ("utf-8", "gb18030", "big5hkscs"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def decode(data: bytes, label: str | None) -> str:
    """`data` read as `label`; a label that does not fit the bytes is overruled."""
    codec = codec_for(label)
    if codec is None:
        return guess(data)
    if codec in _UTF8_FIRST and _NON_ASCII.search(data):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace")
