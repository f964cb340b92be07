"""A Whoosh segment writer for building a whole index at once, about a third faster at commit.

Whoosh's ``SegmentWriter`` keeps every posting as a tuple in a pool, spills the pool to disk in
sorted runs, merges the runs at commit, and looks up the document's field length once per posting.
When documents arrive in order into an empty index, each term's postings are already in document
order: this writer groups them by term as they come, sorts only the distinct terms at commit, and
reads each field's lengths once per document. The segment files are the ones Whoosh would write.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.index import Index
from whoosh.writing import SegmentWriter


class Postings:
    """One term's postings, column by column: about 20 bytes a posting instead of a 150-byte tuple."""

    __slots__ = ("docnums", "weights", "values")

    def __init__(self) -> None:
        self.docnums = array("I")
        self.weights = array("d")
        self.values: list[bytes | None] = []

    def __iter__(self) -> Iterator[tuple[int, float, bytes | None]]:
        return zip(self.docnums, self.weights, self.values, strict=True)


class TermPool:
    """Postings grouped by (field, term) in the order added; stands in for Whoosh's ``PostingPool``."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], Postings] = {}
        self.fieldnames: set[str] = set()
        self._values: dict[bytes | None, bytes | None] = {}  # one object per distinct value (freq)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        found = self.terms.get((fieldname, text))
        if found is None:
            self.fieldnames.add(fieldname)
            found = self.terms[(fieldname, text)] = Postings()
        found.docnums.append(docnum)
        found.weights.append(weight)
        found.values.append(self._values.setdefault(value, value))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        for (fieldname, text), postings in sorted(self.terms.items(), key=lambda item: item[0]):
            for docnum, weight, value in postings:
                yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self.terms.clear()


class BulkWriter(SegmentWriter):  # type: ignore[misc]
    """A writer for a new, empty index: add documents, then ``commit()`` once (or ``cancel()``)."""

    def __init__(self, ix: Index, **kwargs: Any) -> None:
        if not ix.is_empty():
            raise ValueError("BulkWriter writes into an empty index only")
        super().__init__(ix, **kwargs)
        self.pool = TermPool()

    def delete_document(self, docnum: int, delete: bool = True) -> None:
        raise NotImplementedError("BulkWriter only adds documents")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths: dict[str, list[int | None]] = {}
        if self.codec.length_stats:
            reader = self.per_document_reader()
            try:
                for name in self.pool.fieldnames:
                    if self.schema[name].scorable:
                        lengths[name] = [reader.doc_field_length(d, name) for d in range(self.docnum)]
            finally:
                reader.close()
        self._write_postings(lengths)
        self.fieldwriter.close()

    def _write_postings(self, lengths: dict[str, list[int | None]]) -> None:
        """What ``FieldWriter.add_postings`` does, with the lengths read up front."""
        writer = self.fieldwriter
        current: str | None = None
        field_lengths: list[int | None] | None = None
        for (fieldname, text), postings in sorted(self.pool.terms.items(), key=lambda item: item[0]):
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(fieldname, self.schema[fieldname])
                current, field_lengths = fieldname, lengths.get(fieldname)
            writer.start_term(text)
            add = writer.add
            if field_lengths is None:
                for docnum, weight, value in postings:
                    add(docnum, weight, value or b"", 0)
            else:
                for docnum, weight, value in postings:
                    add(docnum, weight, value or b"", field_lengths[docnum])
            writer.finish_term()
        if current is not None:
            writer.finish_field()
