"""The words of ticket search: the CJK table the split uses is the one unicodedata gives, and
the words are what an agent's query is matched against, in English and Chinese."""

from __future__ import annotations

import re
import unicodedata

from desk.search_words import CJK_WORD_RANGES, MAX_WORD, index_words, message_words, parse_query


def test_the_cjk_table_is_unicodedatas() -> None:
    """Every letter or digit from U+2E80 up whose East Asian width is W or F, and no other
    (when Python's Unicode changes, regenerate the table from this definition)."""
    word = re.compile(r"[^\W_]")
    inside = {cp for start, end in CJK_WORD_RANGES for cp in range(start, end + 1)}
    wanted = {cp for cp in range(0x2E80, 0x110000)
              if unicodedata.east_asian_width(chr(cp)) in ("W", "F") and word.match(chr(cp))}
    assert inside == wanted


def test_latin_chinese_accents_and_width_make_the_words_a_query_asks_for() -> None:
    words = index_words("Ｐｒｉｎｔｅｒ 打印机坏了, café order #ORD-1234 Müller 了")
    assert words.split() == ["printer", "打印", "印机", "机坏", "坏了", "打", "印", "机", "坏", "了",
                             "cafe", "order", "ord", "1234", "muller", "了"]
    for query in ("打印机", "printer", "CAFÉ", "ord-1234", "muller"):
        for phrase in parse_query(query).phrases:
            assert " ".join(phrase) in words, query


def test_long_words_are_cut_and_underscores_split() -> None:
    long = "x" * 50
    assert index_words(f"{long} snake_case 日本語abc") == (
        f"{'x' * MAX_WORD} snake case 日本 本語 日 本 語 abc")
    assert parse_query(long).phrases == (("x" * MAX_WORD,),)


def test_a_message_subject_is_read_as_a_ticket_keeps_it() -> None:
    subject, text = message_words("退款 " + "y " * 400, "Body text")
    assert subject.split()[:4] == ["退款", "退", "款", "y"] and subject.split().count("y") == 149
    assert text == "body text"


def test_the_words_are_the_same_as_one_unicode_expression_makes() -> None:
    from desk import search_words

    pieces = ["打印机", "Drucker", "ÉTÉ", "ｆｕｌｌ", "ｶﾀｶﾅ", "カタカナ", "한국어", "123", "x_y", "𠀋𡈽",
              "々", "ー", "〇", "mixed中文words", "naïve", "Ωμέγα", " ", "\n", "-", "…", "①", "_"]
    texts = [a + b + c for a in pieces for b in pieces for c in ("", " ", "打", "a")]
    for text in texts:
        assert index_words(text) == " ".join(_slow_words(search_words.fold(text))), text


def _slow_words(folded: str) -> list[str]:
    """index_words as it was written first: one expression for every text."""
    from desk import search_words

    if folded.isascii():
        return re.findall(f"([^\\W_]{{1,{MAX_WORD}}})[^\\W_]*", folded)
    words: list[str] = []
    for cjk, other in search_words._SPLIT.findall(folded):
        if other:
            words.append(search_words._plain(other))
        elif len(cjk) == 1:
            words.append(cjk)
        else:
            words += [cjk[i:i + 2] for i in range(len(cjk) - 1)] + list(cjk)
    return words
