"""The knowledge-base search index: build, keep up to date, check, and search.

``KbIndex`` is independent of the database: callers hand it ``ArticleDoc`` records. Only published
articles are written to the index at all, so drafts and archived articles can never leak through
search, suggestions or "did you mean". Writes take a lock (Whoosh allows one writer); run them in one
job. Searches never raise for any input text; a damaged index raises ``IndexUnavailable`` so the
caller can rebuild.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import hashlib
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import Every
from whoosh.searching import Searcher

from knowledge_base import store
from knowledge_base.analysis import (
    MixedTokenizer,
    SectionFrequency,
    SpellingTokenizer,
    sections,
    segmenter_for,
)
from knowledge_base.bulk_writer import BulkWriter
from knowledge_base.documents import ArticleDoc
from knowledge_base.markdown import to_text
from knowledge_base.searching import IndexUnavailable, SearchResults, run_search, run_suggest
from knowledge_base.synonyms import SynonymList, SynonymMatcher, load_synonyms

REFRESH_SECONDS = 1.0


class IndexState(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class IndexCheck:
    state: IndexState
    detail: str = ""
    doc_count: int = 0

    @property
    def ok(self) -> bool:
        return self.state is IndexState.OK


def make_schema(cache_dir: Path) -> Schema:
    text = TEXT(analyzer=MixedTokenizer(str(cache_dir)), phrase=False)
    text.format = SectionFrequency()
    return Schema(
        id=ID(stored=True, unique=True),
        text=text,
        spell=TEXT(analyzer=SpellingTokenizer(), phrase=False),
        locale=ID(stored=True),
        category=ID(stored=True),
        visibility=ID(stored=True),
        title=STORED(),
        body=STORED(),
        slug=STORED(),
        stamp=STORED(),
    )


def stamp(doc: ArticleDoc) -> str:
    return doc.updated_at.isoformat()


def fingerprint(docs: Iterable[ArticleDoc]) -> str:
    """What the index should hold for these docs: compare with ``KbIndex.fingerprint()``."""
    return _fingerprint((str(d.id), stamp(d)) for d in docs if d.searchable)


def _fingerprint(pairs: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for doc_id, when in sorted(pairs):
        digest.update(f"{doc_id}\t{when}\n".encode())
    return digest.hexdigest()


def _fields(doc: ArticleDoc) -> dict[str, str]:
    body = to_text(doc.body_markdown)
    tags = " ".join(doc.tags)
    return {
        "id": str(doc.id),
        "text": sections(doc.title, tags, body),
        "spell": f"{doc.title}\n{tags}\n{body}",
        "title": doc.title,
        "body": body,
        "locale": doc.locale,
        "category": doc.category,
        "visibility": doc.visibility,
        "slug": doc.slug,
        "stamp": stamp(doc),
    }


def _probe(searcher: Searcher) -> int:
    """Read a little of everything (stored fields, terms, postings) so damage shows now."""
    count = int(searcher.doc_count())
    for _ in zip(range(50), searcher.all_stored_fields(), strict=False):
        pass
    for _ in zip(range(50), searcher.reader().lexicon("text"), strict=False):
        pass
    searcher.search(Every(), limit=1)
    return count


def _discard(searcher: Searcher | None) -> None:
    if searcher is not None:
        with contextlib.suppress(Exception):
            searcher.close()
    gc.collect()


class KbIndex:
    """The index in ``folder``; jieba's cache goes in ``cache_dir`` (default ``folder/jieba``)."""

    def __init__(
        self, folder: Path, cache_dir: Path | None = None, synonyms: SynonymList | None = None
    ) -> None:
        self.folder = folder
        self.cache_dir = cache_dir or folder / "jieba"
        self.schema = make_schema(self.cache_dir)
        self._synonyms = synonyms if synonyms is not None else load_synonyms()
        self._matcher: SynonymMatcher | None = None
        self._searcher: Searcher | None = None
        self._generation: Path | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        # One search at a time per index: a searcher's readers share file positions, and a
        # searcher must not be closed (refresh after a write) while a search uses it.
        self._search_lock = threading.RLock()

    # -- reading ---------------------------------------------------------------------------------

    def open(self) -> IndexCheck:
        """Open the live index and check it can be read; says MISSING or CORRUPT instead of raising."""
        with self._search_lock, self._lock:
            self._close()
            generation = store.current_generation(self.folder)
            if generation is None or not generation.is_dir():
                return IndexCheck(IndexState.MISSING, f"no index in {self.folder}")
            searcher: Searcher | None = None
            # Whoosh drops the files of a segment it fails to read without closing them; the
            # ResourceWarnings say nothing the CORRUPT answer does not.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                try:
                    searcher = windex.open_dir(str(generation), schema=self.schema).searcher()
                    count = _probe(searcher)
                except Exception as error:  # noqa: BLE001 - any failure to read means "rebuild"
                    problem = f"{type(error).__name__}: {error}"
                else:
                    problem = ""
                if problem:
                    _discard(searcher)  # after the except block, which held the failed frames alive
                    return IndexCheck(IndexState.CORRUPT, problem)
            self._searcher, self._generation, self._checked_at = searcher, generation, time.monotonic()
            return IndexCheck(IndexState.OK, doc_count=count)

    def set_synonyms(self, synonyms: SynonymList) -> None:
        """Use an edited synonym list from the next query on (no reindex needed)."""
        with self._lock:
            self._synonyms, self._matcher = synonyms, None

    def doc_count(self) -> int:
        with self._search_lock:
            return int(self._current().doc_count())

    def fingerprint(self) -> str:
        """Fingerprint of the indexed (id, updated_at) pairs; equal to ``fingerprint(docs)`` when fresh."""
        with self._search_lock:
            return _fingerprint((f["id"], f["stamp"]) for f in self._current().all_stored_fields())

    def is_stale(self, expected: int | str) -> bool:
        """True if the index is missing, damaged, or does not hold ``expected``: a count of published
        articles, or a ``fingerprint(docs)`` of all of them."""
        try:
            if isinstance(expected, int):
                return self.doc_count() != expected
            return self.fingerprint() != expected
        except IndexUnavailable:
            return True

    def search(
        self,
        query: str,
        locale: str | None = None,
        category: str | None = None,
        include_internal: bool = False,
        limit: int = 10,
    ) -> SearchResults:
        """Published articles matching ``query`` best first, with snippets; any text is accepted."""
        with self._search_lock:
            searcher = self._current()
            return run_search(searcher, self._matcher_ready(), query, locale, category,
                              include_internal, limit)

    def suggest(self, prefix_or_subject: str, locale: str | None = None, limit: int = 5,
                include_internal: bool = False) -> SearchResults:
        """Suggest-as-you-type: like ``search`` but the last word may be unfinished; no snippets."""
        with self._search_lock:
            searcher = self._current()
            matcher = self._matcher_ready()
            return run_suggest(searcher, matcher, prefix_or_subject, locale, include_internal, limit)

    # -- writing ---------------------------------------------------------------------------------

    def rebuild(self, docs: Iterable[ArticleDoc]) -> int:
        """Write a whole new index from ``docs`` and swap it in atomically; returns the number indexed."""
        with store.write_lock(self.folder):
            generation = store.new_generation(self.folder)
            ix = windex.create_in(str(generation), self.schema)
            writer = BulkWriter(ix)
            count = 0
            try:
                for doc in docs:
                    if doc.searchable:
                        writer.add_document(**_fields(doc))
                        count += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            store.publish(self.folder, generation)
        self._refresh()
        return count

    def update(self, docs: Iterable[ArticleDoc]) -> None:
        """Add or replace these articles; ones no longer published are removed."""
        self._write(docs, ())

    def delete(self, ids: Iterable[int]) -> None:
        self._write((), ids)

    def _write(self, docs: Iterable[ArticleDoc], ids: Iterable[int]) -> None:
        with store.write_lock(self.folder):
            generation = store.current_generation(self.folder)
            if generation is None:
                raise IndexUnavailable("no index to update: rebuild first")
            writer = windex.open_dir(str(generation), schema=self.schema).writer(limitmb=64)
            try:
                for doc in docs:
                    # Not update_document: its unique-field lookup misses documents in this
                    # Whoosh-Reloaded release, leaving the old version in place.
                    writer.delete_by_term("id", str(doc.id))
                    if doc.searchable:
                        writer.add_document(**_fields(doc))
                for doc_id in ids:
                    writer.delete_by_term("id", str(doc_id))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
        self._refresh()

    # -- internals -------------------------------------------------------------------------------

    def _matcher_ready(self) -> SynonymMatcher:
        if self._matcher is None:
            self._matcher = SynonymMatcher(self._synonyms, segmenter_for(self.cache_dir))
        return self._matcher

    def _current(self) -> Searcher:
        """The open searcher, reopened when another writer has published changes."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is not None and now - self._checked_at >= REFRESH_SECONDS:
                self._checked_at = now
                # Reopen rather than Searcher.refresh(): reusing segment readers there can keep
                # serving documents deleted since.
                moved = store.current_generation(self.folder) != self._generation
                if moved or not self._searcher.up_to_date():
                    self._close()
            if self._searcher is None:
                check = self.open()
                if not check.ok:
                    raise IndexUnavailable(check.detail)
            assert self._searcher is not None
            return self._searcher

    def _refresh(self) -> None:
        with self._search_lock, self._lock:
            self._close()

    def _close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._generation = None, None


__all__ = ["IndexCheck", "IndexState", "IndexUnavailable", "KbIndex", "SearchResults", "fingerprint"]
