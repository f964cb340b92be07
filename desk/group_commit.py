"""Group commit: items that arrive together are written in one transaction.

Under load many web-form submissions are ready in the same turn of the event
loop. Writing them with one statement per table and one commit costs a fraction
of doing each alone, and every caller still gets its answer only after its data
is committed. If the batch fails, each item is written again in a transaction
of its own, so one bad submission never costs another its ticket.

The web form writes on the event loop (the cheapest way for short requests that end with
the write). The chat writes in a thread of its own (``in_thread``), one batch at a time, what
arrives meanwhile joining the next (its own thread: in the loop's shared pool it waited
behind thousands of open chats' reads): thousands of open chat streams and the agents' live
pages are served by the same loop, and a write that waits for SQLite's lock (held by a
job or a beat) must not stop them. Blocking there made an agent's queue fall more than
200 notices behind and reload, under 500 chats."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from desk.db import Database, commit

Item = TypeVar("Item")
Result = TypeVar("Result")
log = logging.getLogger("desk.db")


class GroupCommit(Generic[Item, Result]):
    """``await submit(item)`` runs ``write(session, [items...])`` for everything
    submitted in the same loop turn, commits once, and answers each caller."""

    def __init__(self, db: Database, write: Callable[[Session, list[Item]], list[Result]],
                 max_batch: int = 200, in_thread: bool = False) -> None:
        self.db = db
        self.write = write
        self.max_batch = max_batch
        self.in_thread = in_thread
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._scheduled = False  # a flush is booked (on the loop) or running (in a thread)
        self._writer: ThreadPoolExecutor | None = None  # in_thread: the one writing thread

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if self.in_thread:
            if not self._scheduled:
                self._scheduled = True
                loop.create_task(self._drain())
        elif len(self._pending) >= self.max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        if batch:
            _settle_all(batch, self._outcomes([item for item, _future in batch]))

    async def _drain(self) -> None:
        """Batches written in a worker thread one after another until nothing waits."""
        try:
            await asyncio.sleep(0)  # what else arrives in this loop turn joins the first batch
            while self._pending:
                batch = self._pending[:self.max_batch]
                self._pending = self._pending[self.max_batch:]
                if self._writer is None:
                    self._writer = ThreadPoolExecutor(1, thread_name_prefix="group-commit")
                outcomes = await asyncio.get_running_loop().run_in_executor(
                    self._writer, self._outcomes, [item for item, _future in batch])
                _settle_all(batch, outcomes)
        finally:
            self._scheduled = False

    def _outcomes(self, items: list[Item]) -> list[Outcome[Result]]:
        """Each item's result or error: the batch in one transaction, or, when that fails,
        each item in one of its own."""
        try:
            return [(result, None) for result in self._write(items)]
        except (SQLAlchemyError, ValueError, OSError) as exc:
            if len(items) == 1:
                return [(None, exc)]
            log.warning("group commit of %d items failed (%s); writing them one by one",
                        len(items), exc)
            return [self._alone(item) for item in items]

    def _write(self, items: list[Item]) -> list[Result]:
        with self.db.session() as session:
            results = self.write(session, items)
            commit(session)
        return results

    def _alone(self, item: Item) -> Outcome[Result]:
        try:
            (result,) = self._write([item])
        except (SQLAlchemyError, ValueError, OSError) as exc:
            return None, exc
        return result, None


Outcome = tuple[Result | None, BaseException | None]


def _settle_all(batch: list[tuple[Item, asyncio.Future[Result]]],
                outcomes: list[Outcome[Result]]) -> None:
    for (_item, future), (result, exc) in zip(batch, outcomes, strict=True):
        _settle(future, result, exc)


def _settle(future: asyncio.Future[Result], result: Result | None = None,
            exc: BaseException | None = None) -> None:
    if future.done():  # the caller went away (client disconnected)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)  # type: ignore[arg-type]
