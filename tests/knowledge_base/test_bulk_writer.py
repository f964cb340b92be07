"""The bulk writer used by rebuilds writes the index Whoosh's own writer would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh.index import Index

from knowledge_base.bulk_writer import BulkWriter
from knowledge_base.importer import read_folder
from knowledge_base.index import _fields, make_schema
from tests.knowledge_base.conftest import DEMO


def build(folder: Path, jieba_cache: Path, writer: Any) -> Index:
    folder.mkdir()
    ix = windex.create_in(str(folder), make_schema(jieba_cache))
    articles, _ = read_folder(DEMO)
    w = writer(ix)
    for n, article in enumerate(articles * 3, start=1):  # common words get postings of several blocks
        w.add_document(**_fields(article.to_doc(n)))
    w.commit()
    return ix


def contents(ix: Index) -> tuple[object, ...]:
    with ix.reader() as reader:
        postings = {
            (field, term): list(reader.postings(field, term).items_as("weight"))
            for field in ("text", "spell", "id", "locale", "category", "visibility")
            for term in reader.lexicon(field)
        }
        lengths = [reader.doc_field_length(d, "text") for d in range(reader.doc_count_all())]
        return postings, lengths, list(reader.all_stored_fields()), reader.field_length("text")


def test_bulk_writer_writes_the_same_index_as_whoosh(tmp_path: Path, jieba_cache: Path) -> None:
    # limitmb=1 makes Whoosh spill sorted runs to disk and merge them, its path for large builds.
    expected = contents(build(tmp_path / "whoosh", jieba_cache, lambda ix: ix.writer(limitmb=1)))
    assert contents(build(tmp_path / "bulk", jieba_cache, BulkWriter)) == expected


def test_bulk_writer_refuses_an_index_with_documents(tmp_path: Path, jieba_cache: Path) -> None:
    ix = build(tmp_path / "index", jieba_cache, BulkWriter)
    with pytest.raises(ValueError, match="empty index"):
        BulkWriter(ix)
