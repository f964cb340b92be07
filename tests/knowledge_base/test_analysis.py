"""The fast indexing paths give exactly what jieba and Whoosh's token stream give."""

from __future__ import annotations

import random
from pathlib import Path

from whoosh.formats import Frequency

from knowledge_base.analysis import (
    _PIECES,
    MixedTokenizer,
    SectionFrequency,
    SpellingTokenizer,
    segmenter_for,
)
from knowledge_base.importer import read_folder
from knowledge_base.index import _fields
from tests.knowledge_base.conftest import DEMO


def demo_texts() -> list[str]:
    articles, _ = read_folder(DEMO)
    return [_fields(a.to_doc(n))["text"] for n, a in enumerate(articles, start=1)]


def test_cut_segments_exactly_as_jieba(jieba_cache: Path) -> None:
    segmenter = segmenter_for(jieba_cache)
    runs = [m.group(1) for text in demo_texts() for m in _PIECES.finditer(text) if m.group(1)]
    rng = random.Random(3)
    # Characters from the demo, plus CJK outside jieba's range (extension A, compatibility ideographs).
    alphabet = sorted(set("".join(runs))) + ["\u3400", "\u4dbf", "\u9fd6", "\u9fff", "\uf900", "\ufa2d"]
    runs += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(2000)]
    assert [segmenter.cut(run) for run in runs] == [list(segmenter._jieba.cut(run)) for run in runs]


def test_section_frequency_counts_what_the_token_stream_says(jieba_cache: Path) -> None:
    analyzer = MixedTokenizer(str(jieba_cache))
    for text in demo_texts():
        fast = sorted(SectionFrequency().word_values(text, analyzer, mode="index"))
        assert fast == sorted(Frequency().word_values(text, analyzer, mode="index"))


def test_spelling_vocabulary_holds_each_word_once_per_article() -> None:
    tokens = SpellingTokenizer()("Refund the refund; REFUNDS and refund policy", mode="index")
    words = [t.text for t in tokens]
    assert words == ["refund", "the", "refunds", "and", "policy"]
