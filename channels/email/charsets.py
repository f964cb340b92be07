"""Decoding bytes whose declared charset cannot be trusted.

Mail clients mislabel: GBK text declared gb2312, UTF-8 declared us-ascii,
8-bit headers with no label at all. We read each label as its widest common
superset and, when the label does not fit the bytes or there is none, guess
with evidence: a strict UTF-8 try, the charsets the message declares elsewhere
(`Evidence`), the charsets of the language the mail's mailbox is set to
(`LANGUAGES`: a preference after what the message declares), then a scorer that reads
the bytes in each candidate charset and keeps the reading that looks most like text of
that script (`guess`). A fixed order ("GB18030 first") turned German and Japanese into
Chinese.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

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
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "tis-620": "cp874",
    "windows-874": "cp874",
    # Hebrew and Arabic in logical (-i) or explicit (-e) order: the same bytes.
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-8-e": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
}
# ISO-2022-JP as Microsoft writes it (CP50220/CP50221): JIS X 0208 plus the NEC and IBM
# extensions (①, Ⅱ, ㈱) that Python's iso2022_jp codecs refuse.
_ISO2022_JP = frozenset(("iso-2022-jp", "csiso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221",
                         "cp50222", "iso-2022-jp-1", "iso-2022-jp-3"))
ISO2022_JP = "iso2022_jp_cp932"
_UNKNOWN = {"", "unknown-8bit", "x-unknown", "unknown", "8bit", "default", "charset"}
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# Labels clients put on UTF-8 by mistake; real Latin-1 text is almost never valid UTF-8.
_UTF8_FIRST = frozenset(("cp1252", "iso8859-15", "iso8859-1"))
# Labels that say nothing about 8-bit bytes: never evidence for them.
_NOT_EVIDENCE = frozenset(("cp1252", "utf-8", "ascii"))
# What unlabelled bytes are tried as after strict UTF-8, in this order of preference
# when two readings score alike (Chinese first: many of Desk's users write it).
_CANDIDATES = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1252", "cp1250",
               "cp1251", "koi8_r", "cp1253", "iso8859-8", "cp1254", "cp1256", "cp874")
_EVIDENCE_BONUS = 0.35
# The mailbox's language: less than what the mail declares, enough to settle a near tie.
_LANGUAGE_BONUS = 0.25
# A mailbox's language (its code, as stored on the mailbox) -> the legacy charsets its
# unlabelled mail is written in, most common first. "" (no language) hints nothing.
# ISO-2022-JP is 7-bit and always labelled in practice: Japanese hints only its 8-bit kin.
LANGUAGES: dict[str, tuple[str, ...]] = {
    "zh-hans": ("gb18030",),
    "zh-hant": ("big5hkscs",),
    "ja": ("cp932", "euc_jp"),
    "ko": ("cp949",),
    "ru": ("cp1251", "koi8_r"),
    "west-eu": ("cp1252", "iso8859-15"),
    "central-eu": ("cp1250", "iso8859-2"),
    "el": ("cp1253", "iso8859-7"),
    "he": ("iso8859-8", "cp1255"),
    "tr": ("cp1254", "iso8859-9"),
    "ar": ("cp1256", "iso8859-6"),
    "th": ("cp874",),
}
# Scripts whose mail nearly always says its charset: unlabelled, their bytes are more likely
# Chinese that happens to read as them (every byte pair of EUC-KR is also GB2312).
_PRIOR = {"cp949": -0.6, "cp1253": -0.3, "iso8859-8": -0.3, "cp1256": -0.3, "cp874": -0.3}


@functools.lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec to read `label` with, or None when the label is unknown."""
    name = (label or "").strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return None
    if name in _ISO2022_JP:
        return ISO2022_JP
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


class Evidence:
    """The charsets a message declares (its parts' labels, its encoded words), read only
    when some bytes need guessing: most mail never asks; and the language of the mailbox
    it came to (a code of `LANGUAGES`, "" for none). `guessed` says whether any bytes were
    read by scoring, the only step the language changes."""

    def __init__(self, source: Callable[[], Iterable[str]] | Iterable[str] = (),
                 language: str = "") -> None:
        self._source = source
        self.language = language
        self.guessed = False

    @property
    def hinted(self) -> tuple[str, ...]:
        """The charsets of the mailbox's language; none for a language not in `LANGUAGES`."""
        return LANGUAGES.get(self.language, ())

    @functools.cached_property
    def codecs(self) -> tuple[str, ...]:
        labels = self._source() if callable(self._source) else self._source
        found: list[str] = []
        for label in labels:
            codec = codec_for(label)
            # Mail that speaks ISO-2022-JP writes its 8-bit slips in Shift_JIS or EUC-JP.
            for each in (codec, "cp932", "euc_jp") if codec == ISO2022_JP else (codec,):
                if each is not None and each not in _NOT_EVIDENCE and each not in found:
                    found.append(each)
        return tuple(found)


NO_EVIDENCE = Evidence()


def guess(data: bytes, evidence: Evidence = NO_EVIDENCE) -> str:
    """Bytes with no usable label: strict UTF-8 if it fits, else the best-scoring reading
    among the message's own charsets, its mailbox language's and the common ones (`_score`).
    Ties go to the earlier in that order; the language's charsets get a smaller bonus than
    the declared ones, and none at all when the message declares any (it knows best)."""
    if not _NON_ASCII.search(data):
        return data.decode("ascii", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if evidence is not NO_EVIDENCE:
        evidence.guessed = True
    declared = evidence.codecs
    hinted = tuple(c for c in evidence.hinted if c not in declared)
    hint_bonus = 0.0 if declared else _LANGUAGE_BONUS
    best_text, best_score = "", float("-inf")
    for codec in _order(declared, hinted):
        try:
            text = read(data, codec)
        except UnicodeDecodeError:
            continue
        if codec in declared:
            bonus = _EVIDENCE_BONUS
        else:
            bonus = hint_bonus if codec in hinted else _PRIOR.get(codec, 0.0)
        score = _score(text, codec, codec in hinted) + bonus
        if score > best_score:
            best_text, best_score = text, score
    return best_text or data.decode("cp1252", errors="replace")


@functools.lru_cache(maxsize=64)
def _order(declared: tuple[str, ...], hinted: tuple[str, ...]) -> tuple[str, ...]:
    """The codecs to try: the declared, the hinted, then the common ones not yet named."""
    return (*declared, *hinted, *(c for c in _CANDIDATES if c not in declared and c not in hinted))


def decode(data: bytes, label: str | None, evidence: Evidence = NO_EVIDENCE) -> str:
    """`data` read as `label`; a label that does not fit the bytes is overruled."""
    codec = codec_for(label)
    if codec is None:
        return guess(data, evidence)
    eight_bit = _NON_ASCII.search(data) is not None
    if codec in _UTF8_FIRST and eight_bit:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return read(data, codec)
    except UnicodeDecodeError:
        pass
    if eight_bit:
        return guess(data, evidence)
    # 7-bit data the label cannot read (a broken ISO-2022 escape): read it as labelled, with
    # replacement characters, never as UTF-8 or ASCII, which would "succeed" on anything.
    return read(data, codec, errors="replace")


def read(data: bytes, codec: str, errors: str = "strict") -> str:
    """`data` in `codec` (Python's codecs plus ISO-2022-JP as CP50220 reads it)."""
    if codec == ISO2022_JP:
        return _iso2022_jp(data, errors)
    return data.decode(codec, errors)


# --- ISO-2022-JP, CP932-compatible -------------------------------------------------------

_ESCAPE = re.compile(rb"\x1b(\(B|\(J|\(I|\$@|\$B|\$\(B|\$\(D|\$\(O|\$\(Q|\$\(P|&@\x1b\$B)")
_TWO_BYTE = frozenset((b"$@", b"$B", b"$(B", b"$(O", b"$(Q", b"&@\x1b$B"))


def _iso2022_jp(data: bytes, errors: str) -> str:
    """ISO-2022-JP with each JIS X 0208 pair read through Shift_JIS (CP932), which holds the
    NEC special characters (row 13: ①, Ⅱ, ㈱) and IBM extensions Windows mailers send."""
    out: list[str] = []
    mode = b"(B"
    pos = 0
    for match in [*_ESCAPE.finditer(data), None]:
        end = match.start() if match is not None else len(data)
        chunk = data[pos:end]
        if chunk:
            out.append(_iso2022_chunk(chunk, mode, errors, pos))
        if match is None:
            break
        mode, pos = match.group(1), match.end()
    text = "".join(out)
    if "\x1b" in text and errors == "strict":
        raise UnicodeDecodeError(ISO2022_JP, data, text.index("\x1b"), len(data), "unknown escape")
    return text


def _iso2022_chunk(chunk: bytes, mode: bytes, errors: str, offset: int) -> str:
    if mode == b"$(D":  # JIS X 0212: Python's iso2022_jp_2 reads it
        return (b"\x1b$(D" + chunk + b"\x1b(B").decode("iso2022_jp_2", errors)
    if mode == b"(I":  # half-width katakana
        return bytes(b | 0x80 if 0x21 <= b <= 0x5F else b for b in chunk).decode("cp932", errors)
    if mode not in _TWO_BYTE:
        if errors == "strict" and _NON_ASCII.search(chunk):
            raise UnicodeDecodeError(ISO2022_JP, chunk, 0, len(chunk), "8-bit byte in ISO-2022-JP")
        return chunk.decode("latin-1" if errors == "strict" else "ascii", errors)
    sjis = bytearray()
    lines = chunk.split(b"\n")
    for index, line in enumerate(lines):
        if index:
            sjis += b"\n"
        body = line.rstrip(b"\r")
        if len(body) % 2 and errors == "strict":
            raise UnicodeDecodeError(ISO2022_JP, chunk, offset, offset + len(chunk), "odd byte count")
        for i in range(0, len(body) - 1, 2):
            sjis += _jis_to_sjis(body[i], body[i + 1])
        sjis += line[len(body) - len(body) % 2:]
    return bytes(sjis).decode("cp932", errors)


def _jis_to_sjis(first: int, second: int) -> bytes:
    """One JIS X 0208 code (row/cell + 0x20) as its Shift_JIS bytes."""
    if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
        return bytes((first, second))  # not a JIS pair: left for the decoder to refuse
    lead = ((first - 0x21) >> 1) + 0x81
    if lead > 0x9F:
        lead += 0x40
    trail = second + 0x1F + (1 if second >= 0x60 else 0) if first % 2 else second + 0x7E
    return bytes((lead, trail))


# --- scoring a reading -------------------------------------------------------------------

_CJK_CODECS = frozenset(("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949"))
# The everyday subset of each CJK charset: most real text stays inside it, while bytes of
# another charset read through it land mostly outside (rare ideographs, private use).
_EVERYDAY = {"gb18030": "gb2312", "big5hkscs": "big5", "cp932": "cp932", "euc_jp": "euc_jp",
             "cp949": "euc_kr"}
_LATIN_PUNCTUATION = frozenset("“”‘’„‚–—…«»°§·• ¿¡")
_SIGNS = frozenset("€™©®£¥¢")  # real, but also what CJK bytes read as cp1252 turn into
_SCRIPTS = {"cp1251": "CYRILLIC", "koi8_r": "CYRILLIC", "koi8-r": "CYRILLIC", "koi8-u": "CYRILLIC",
            "cp1253": "GREEK", "iso8859-7": "GREEK",
            "iso8859-8": "HEBREW", "cp1255": "HEBREW", "cp1256": "ARABIC", "iso8859-6": "ARABIC",
            "cp874": "THAI"}


def _score(text: str, codec: str, hinted: bool = False) -> float:
    """How much `text` (a reading of 8-bit bytes through `codec`) looks like real writing
    in that codec's script, per non-ASCII character, from about -3 to 1. `hinted`: the
    codec is one of the mailbox language's."""
    total = 0.0
    count = 0
    run = 0  # non-ASCII letters in a row: Latin text has short runs, CJK read as Latin long ones
    previous = ""
    for char in text:
        if char < "\x80":
            run = 0
            previous = char
            continue
        count += 1
        run += 1
        total += _char_score(char, codec, run, previous, hinted)
        previous = char
    return total / count if count else 0.0


def _char_score(char: str, codec: str, run: int, previous: str, hinted: bool) -> float:
    category = unicodedata.category(char)
    if category in ("Co", "Cn", "Cc", "Cs") or char == "\ufffd":
        return -3.0
    if codec in _CJK_CODECS:
        return _cjk_score(char, codec, hinted)
    if char in _LATIN_PUNCTUATION:
        return 0.6
    if char in _SIGNS:
        return 0.0
    if not category.startswith("L") and not (category == "Mn" and codec in _SCRIPTS):
        # ¤ ¦ ¨ ± ² ¹ ¼ ×: rare in text, common when CJK bytes are read as Latin. (Thai
        # vowels and tones, Hebrew points and Arabic vowels are marks of their script.)
        return -1.0
    script = _SCRIPTS.get(codec, "LATIN")
    if not unicodedata.name(char, "").startswith(script):
        return -1.0
    if script == "LATIN":
        # A word with a few accented letters in it, not a string of them.
        return 1.0 if run <= 4 else -0.5
    if previous.isascii() and previous.isalpha():
        return -1.0  # "Zaї": another script's letters inside a Latin word
    if script == "THAI" and (char in _THAI_OBSOLETE or (category == "Mn" and not _thai_base(previous))):
        return -1.0  # ฃ ฅ (0xA3, 0xA5: GB2312 lead bytes), a vowel or tone mark on nothing
    if script == "CYRILLIC" and category == "Lu" and previous.isalpha():
        return -1.0  # capitals inside a word: cp1251 read as KOI8-R, or CJK bytes as either
    return 1.0


_THAI_OBSOLETE = frozenset("ฃฅ")


def _thai_base(char: str) -> bool:
    """A Thai consonant, or a mark on one (a tone mark sits over a vowel mark)."""
    return "\u0e01" <= char <= "\u0e2e" or ("\u0e31" <= char <= "\u0e4e"
                                           and unicodedata.category(char) == "Mn")


def _cjk_score(char: str, codec: str, hinted: bool) -> float:
    if "\uff61" <= char <= "\uff9f":
        # Half-width katakana: Latin-1 letters read as Shift_JIS, unless the mailbox is
        # Japanese (older Japanese mailers write ｱﾝｹｰﾄ).
        return 0.5 if hinted else -1.0
    name_ok = _in_everyday(char, codec)
    if codec in ("cp932", "euc_jp") and ("\u3040" <= char <= "\u30ff"):
        return 1.2  # hiragana and katakana: Japanese beyond doubt
    if codec == "cp949" and "\uac00" <= char <= "\ud7a3":
        return 1.0 if name_ok else -0.5  # Korean mail keeps to the 2,350 syllables of EUC-KR
    if "\u4e00" <= char <= "\u9fff":
        return 1.0 if name_ok else 0.3  # rarer ideographs: names (喆, 堃) use them
    if "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e":
        return 1.0 if name_ok else -0.5
    return 0.5 if name_ok else -0.5


@functools.lru_cache(maxsize=8192)
def _in_everyday(char: str, codec: str) -> bool:
    everyday = _EVERYDAY[codec]
    try:
        encoded = char.encode(everyday)
    except UnicodeEncodeError:
        return False
    if everyday == "cp932":
        # JIS level 1 kanji, kana, symbols and the NEC row: lead bytes up to 0x98.
        return len(encoded) == 2 and encoded[0] <= 0x98
    if everyday == "big5":
        return len(encoded) == 2 and 0xA1 <= encoded[0] <= 0xC6  # symbols and frequent hanzi
    return True
