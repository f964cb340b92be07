"""Parsing mail on every core: the parse is pure (bytes in, InboundMessage out) and is
the largest single cost of mail intake, so large batches are parsed in worker processes
while small ones stay in-process (a pool costs more than it saves below a few dozen).

Each mail is read with the language of the mailbox it was stored under (a code of
`channels.email.charsets.LANGUAGES`, "" for none), a plain string sent along with its bytes.

Workers start by `forkserver`, never by forking the caller: `desk serve` and the poller
have threads, and a forked copy of a threaded process can deadlock."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace

from channels.email.classify import Drop, run_filters
from channels.email.filters import FILTERS
from channels.email.parse import ParseError, parse
from channels.message import InboundMessage
from desk.search_words import message_words

# Below this many mails a batch is parsed in-process.
POOL_THRESHOLD = 48
_CHUNK = 16


class Unreadable(str):
    """Why a mail could not be read (its error text): it goes to the quarantine."""


Parsed = InboundMessage | Unreadable

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def read_mail(raw: bytes, language: str = "") -> Parsed:
    """Parse and filter one raw mail; never raises on bad mail."""
    try:
        result = run_filters(parse(raw, language), FILTERS)
    except (ParseError, ValueError, LookupError) as exc:  # UnicodeError is a ValueError
        return Unreadable(f"{type(exc).__name__}: {exc}")
    if isinstance(result, Drop):
        return Unreadable(f"dropped: {result.reason}")
    # The search index's words, made here: in a worker process for a large batch, so the
    # intake's process (which writes the database) does not spend its time on them.
    return replace(result, search_words=message_words(result.subject, result.text))


def read_mails(raws: Sequence[bytes], languages: Sequence[str] = ()) -> list[Parsed]:
    """`read_mail` of each, in order (with the language at the same place in `languages`,
    none where it is shorter); on several cores for a large batch."""
    langs = _languages(languages, len(raws))
    workers = _workers()
    if len(raws) < POOL_THRESHOLD or workers < 2:
        return list(map(read_mail, raws, langs))
    return list(_executor(workers).map(read_mail, raws, langs, chunksize=_CHUNK))


class Reading:
    """Mail being read in the background (`start_reading`); `result()` waits for it."""

    def __init__(self, ids: Sequence[int], raws: Sequence[bytes], language: str = "") -> None:
        self._ids = list(ids)
        self._raws: Sequence[bytes] | None = raws
        self._language = language
        self._futures: list[Future[list[Parsed]]] = []
        workers = _workers()
        if len(raws) >= POOL_THRESHOLD and workers >= 2:
            pool = _executor(workers)
            self._futures = [pool.submit(_read_chunk, list(raws[i:i + _CHUNK]), language)
                             for i in range(0, len(raws), _CHUNK)]
            self._raws = None

    def labelled(self, ids: Sequence[int]) -> Reading:
        """The same reading, its mails known by `ids` (in order) from now on: a batch whose
        parse started before it was stored (`desk.mail.raw_import.head_start`)."""
        if len(ids) != len(self._ids):
            raise ValueError("one id per mail")
        self._ids = list(ids)
        return self

    def result(self) -> dict[int, Parsed]:
        """The parsed mail by id (read now, in-process, when the batch was small)."""
        if self._raws is not None:
            parsed = _read_chunk(self._raws, self._language)
        else:
            parsed = [p for future in self._futures for p in future.result()]
        return dict(zip(self._ids, parsed, strict=True))


def start_reading(items: Sequence[tuple[int, bytes]], language: str = "") -> Reading:
    """Start parsing (id, raw) pairs of one mailbox (read with its `language`) on the
    worker processes and return at once, so the caller can fetch and store the next batch
    meanwhile (a pipeline). Mail read without its mailbox's language is read again where
    that matters (`desk.actions.mail.stored`)."""
    return Reading([i for i, _ in items], [raw for _, raw in items], language)


def _read_chunk(raws: Sequence[bytes], language: str = "") -> list[Parsed]:
    return [read_mail(raw, language) for raw in raws]


def _languages(languages: Sequence[str], count: int) -> list[str]:
    return [*languages[:count], *[""] * (count - len(languages))]


def _workers() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cpus, 4)


def _executor(workers: int) -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            # The fork server imports the parser once and every worker is forked with it
            # loaded (about 70 ms less per worker before its first mail); `__main__` stays
            # first, as by default, so the workers do not each import the caller's script.
            context.set_forkserver_preload(["__main__", __name__])
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            atexit.register(shutdown)
        return _pool


def shutdown() -> None:
    """Stop the workers (at exit, and in tests)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
