"""Reading postings a block at a time gives what Whoosh's matchers give, deletions and segments included."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema

from knowledge_base.scoring import read_postings


def test_read_postings_matches_whoosh_across_segments_and_deletions(tmp_path: Path) -> None:
    ix = windex.create_in(str(tmp_path), Schema(id=ID(stored=True), body=TEXT(phrase=False)))
    for start in (0, 400):  # two segments, each with words in more than one 128-posting block
        writer = ix.writer()
        for n in range(start, start + 400):  # "common" and "often" fill four blocks per segment
            writer.add_document(id=str(n), body=f"common word{n % 7} " + "often " * (n % 3 + 1))
        writer.commit(merge=False)
    writer = ix.writer()
    for n in (0, 1, 130, 399, 401, 650):
        writer.delete_by_term("id", str(n))
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        # The shapes read block by block: a multi-segment matcher over deletion filters over leaves.
        shape = searcher.postings("body", "common")
        assert [type(m.child).__name__ for m in shape.matchers] == ["W3LeafMatcher", "W3LeafMatcher"]
        for word in ("common", "often", "word3"):
            docs, weights = read_postings(searcher.postings("body", word))
            expected = list(searcher.postings("body", word).items_as("weight"))
            assert list(zip(docs, weights, strict=True)) == expected
            assert len(docs) > 100
        assert not {0, 1, 130, 399, 401, 650} & set(read_postings(searcher.postings("body", "common"))[0])
