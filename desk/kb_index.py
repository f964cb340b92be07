"""The desk's knowledge-base search index: one ``KbIndex`` per process and data folder, fed from
the database.

The index is derived data. Only the ``kb_index_articles`` job, ``desk kb reindex`` and the start-up
check write it (Whoosh allows one writer; ``knowledge_base.store.write_lock`` makes the others wait).
Searching never raises on what a user types; a missing or damaged index answers with no hits and
queues a rebuild, so a crash while writing costs a few seconds of empty results, never a 500."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from sqlmodel import Session, col, select

from desk.actions.jobs import enqueue
from desk.db import Database, commit
from desk.models import Article, ArticleStatus, Job, JobStatus, KbCategory, KbSynonyms
from desk.settings import Settings
from knowledge_base.documents import ArticleDoc, Locale, Status, Visibility
from knowledge_base.index import KbIndex, fingerprint
from knowledge_base.searching import IndexUnavailable, SearchResults
from knowledge_base.synonyms import SynonymList, load_synonyms, parse_synonyms

log = logging.getLogger("desk.kb")

REBUILD_JOB = "kb_reindex"
# How often a process looks for an edited synonym list, and re-queues a rebuild it needs.
SYNONYMS_CHECK_SECONDS = 5.0
REBUILD_RETRY_SECONDS = 30.0
CHUNK = 1000  # articles per index write (and per IN list)
# How long a shutdown waits for the start-up check before disposing the database under it.
START_UP_WAIT_SECONDS = 10.0

_indexes: dict[Path, KbIndex] = {}
_indexes_lock = threading.Lock()


class _State:
    """Per index: the synonym list in use (by its row's time) and the last rebuild request."""

    def __init__(self) -> None:
        self.synonyms_stamp: object = None
        self.synonyms_checked = 0.0
        self.rebuild_asked = 0.0


_states: dict[Path, _State] = {}


def index_folder(settings: Settings) -> Path:
    return settings.data_dir / "kb-index"


def kb_index(settings: Settings) -> KbIndex:
    """The process's index for this data folder (jieba's cache in ``data_dir/jieba``)."""
    folder = index_folder(settings).resolve()
    with _indexes_lock:
        index = _indexes.get(folder)
        if index is None:
            index = _indexes[folder] = KbIndex(folder, cache_dir=settings.data_dir / "jieba")
            _states[folder] = _State()
        return index


# -- searching -----------------------------------------------------------------------------------

def search_kb(db: Database, settings: Settings, query: str, locale: str | None = None,
              category: str | None = None, include_internal: bool = False,
              limit: int = 10) -> SearchResults:
    """Published articles matching ``query`` (``category`` is a category slug). Never raises on
    user input; with the index missing or damaged, no hits and a rebuild is queued."""
    index = _ready(db, settings)
    try:
        return index.search(query, locale=_kb_locale(locale), category=category or None,
                            include_internal=include_internal, limit=max(1, min(limit, 100)))
    except Exception as error:  # noqa: BLE001 - see _unavailable
        return _unavailable(db, settings, index, error)


def suggest_kb(db: Database, settings: Settings, text: str, locale: str | None = None,
               limit: int = 5, include_internal: bool = False) -> SearchResults:
    """Suggest-as-you-type (the last word may be unfinished); no snippets. Never raises."""
    index = _ready(db, settings)
    try:
        return index.suggest(text, locale=_kb_locale(locale), limit=max(1, min(limit, 20)),
                             include_internal=include_internal)
    except Exception as error:  # noqa: BLE001 - see _unavailable
        return _unavailable(db, settings, index, error)


def _kb_locale(locale: str | None) -> str | None:
    """The knowledge base says ``zh-CN`` where the app says ``zh_CN``: accept both."""
    return "zh-CN" if locale in ("zh_CN", "zh-CN", "zh") else (locale or None)


def _unavailable(db: Database, settings: Settings, index: KbIndex, error: Exception) -> SearchResults:
    """No hits instead of a 500. Searching accepts any text, so a failure means the index cannot be
    read (missing, or damaged in a way the open-time check missed): queue a rebuild. On an index
    that opens fine the error is a bug, and is raised for the caller's error handling to show."""
    if not isinstance(error, IndexUnavailable) and index.open().ok:
        raise error
    if not isinstance(error, IndexUnavailable):
        log.warning("knowledge-base search failed on a damaged index: %s", error)
    _ask_rebuild(db, settings, str(error))
    return SearchResults()


def _ready(db: Database, settings: Settings) -> KbIndex:
    """The index, with the admins' synonym list if it changed since this process last looked."""
    index = kb_index(settings)
    state = _states[index.folder]
    if not state.synonyms_checked or time.monotonic() - state.synonyms_checked >= SYNONYMS_CHECK_SECONDS:
        refresh_synonyms(db, settings)
    return index


def refresh_synonyms(db: Database, settings: Settings) -> None:
    """Use the saved synonym list now (the process that saved it calls this after the commit;
    every other process looks on its own every few seconds)."""
    index = kb_index(settings)
    state = _states[index.folder]
    state.synonyms_checked = time.monotonic()
    with db.session() as session:
        row = session.exec(select(KbSynonyms)).first()
    stamp = row.updated_at if row is not None else None
    if stamp != state.synonyms_stamp:
        state.synonyms_stamp = stamp
        index.set_synonyms(synonyms_of(row))


def synonyms_of(row: KbSynonyms | None) -> SynonymList:
    """The admins' list when they saved one, else the shipped list."""
    return parse_synonyms(row.text) if row is not None else load_synonyms()


def _ask_rebuild(db: Database, settings: Settings, reason: str) -> None:
    """Queue one rebuild (not one per search): at most every 30 s per process, and not while
    one is queued or running."""
    state = _states[kb_index(settings).folder]
    moment = time.monotonic()
    if state.rebuild_asked and moment - state.rebuild_asked < REBUILD_RETRY_SECONDS:
        return
    state.rebuild_asked = moment
    log.warning("knowledge-base index unavailable (%s): rebuild queued", reason)
    with db.session() as session:
        pending = session.exec(select(Job.id).where(
            Job.name == REBUILD_JOB,
            col(Job.status).in_([JobStatus.queued, JobStatus.running]))).first()
        if pending is None:
            enqueue(session, REBUILD_JOB)
            commit(session)


# -- writing -------------------------------------------------------------------------------------

def article_docs(session: Session, ids: Iterable[int] | None = None,
                 published_only: bool = True) -> list[ArticleDoc]:
    """Articles as the index sees them (category = its slug): all published ones, or these."""
    query = select(Article, KbCategory.slug).join(
        KbCategory, col(KbCategory.id) == col(Article.category_id), isouter=True)
    if ids is not None:
        query = query.where(col(Article.id).in_(list(ids)))
    if published_only:
        query = query.where(Article.status == ArticleStatus.published)
    return [_doc(article, slug or "") for article, slug in session.exec(query.order_by(col(Article.id)))]


def _doc(article: Article, category: str) -> ArticleDoc:
    assert article.id is not None
    return ArticleDoc(
        id=article.id, title=article.title, body_markdown=article.body_markdown,
        locale=cast(Locale, article.locale), category=category, slug=article.slug,
        updated_at=article.updated_at, tags=list(article.tags or []),
        status=cast(Status, article.status), visibility=cast(Visibility, article.visibility),
    )


def reindex(db: Database, settings: Settings) -> int:
    """Rebuild the whole index from the published articles; returns how many it holds."""
    with db.session() as session:
        docs = article_docs(session)
    count = kb_index(settings).rebuild(docs)
    log.info("knowledge-base index rebuilt: %s articles", count)
    return count


def index_articles(db: Database, settings: Settings, article_ids: list[int]) -> None:
    """Bring these articles' entries up to date: published ones added or replaced, the others
    (drafts, archived, deleted) removed. A missing or damaged index is rebuilt whole instead.
    Raises ``knowledge_base.store.WriterBusy`` when another writer holds the lock too long."""
    index = kb_index(settings)
    if not index.open().ok:
        reindex(db, settings)
        return
    for start in range(0, len(article_ids), CHUNK):
        chunk = article_ids[start : start + CHUNK]  # an import queues one job for a whole folder
        with db.session() as session:
            docs = article_docs(session, chunk, published_only=False)
        found = {d.id for d in docs}
        index.update(docs)
        gone = [i for i in chunk if i not in found]
        if gone:
            index.delete(gone)


def ensure_index(db: Database, settings: Settings) -> str:
    """Rebuild the index if it is missing, damaged, or stale (it does not hold exactly the
    published articles as they are now); says what it found and did."""
    index = kb_index(settings)
    check = index.open()
    if not check.ok:
        count = reindex(db, settings)
        return f"index {check.state.value} ({check.detail}): rebuilt with {count} articles"
    with db.session() as session:
        docs = article_docs(session)
    if index.is_stale(fingerprint(docs)):
        count = reindex(db, settings)
        return f"index was stale: rebuilt with {count} articles"
    return f"index up to date: {check.doc_count} articles"


def settle_heap() -> None:
    """Once start-up has loaded what stays for the process's life (jieba's dictionary, the
    index, the templates), keep the garbage collector from walking it again: a full
    collection over jieba's structures took 0.3-0.6 s and held up whichever request set it
    off (the board's and the queue's slowest pages)."""
    gc.collect()
    gc.freeze()


def ensure_index_in_background(db: Database, settings: Settings, rebuild: bool = True) -> threading.Thread:
    """Start-up: check (and if need be rebuild) the index, then load jieba with a first search,
    without holding up the server. ``rebuild=False`` in processes that only read the index.

    The thread uses ``db``: whoever disposes it joins the thread first (for at most
    ``START_UP_WAIT_SECONDS``), or a connection the thread opens after ``dispose()`` is
    never closed."""
    def run() -> None:
        try:
            if rebuild:
                log.info("knowledge base: %s", ensure_index(db, settings))
            search_kb(db, settings, "warm up 预热", limit=1)
        except Exception:  # noqa: BLE001 - start-up goes on; searches queue a rebuild later
            log.exception("knowledge-base index check failed")
        settle_heap()

    thread = threading.Thread(target=run, name="desk-kb-index", daemon=True)
    thread.start()
    return thread
