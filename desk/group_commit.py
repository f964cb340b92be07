"""Group commit: items that arrive together are written in one transaction.

Under load many web-form submissions are ready in the same turn of the event
loop. Writing them with one statement per table and one commit costs a fraction
of doing each alone, and every caller still gets its answer only after its data
is committed. If the batch fails, each item is written again in a transaction
of its own, so one bad submission never costs another its ticket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
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
                 max_batch: int = 200) -> None:
        self.db = db
        self.write = write
        self.max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._scheduled = False

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self.max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            results = self._write([item for item, _future in batch])
        except (SQLAlchemyError, ValueError, OSError) as exc:
            if len(batch) > 1:
                log.warning("group commit of %d items failed (%s); writing them one by one",
                            len(batch), exc)
                for item, future in batch:
                    self._write_alone(item, future)
            else:
                _settle(batch[0][1], exc=exc)
            return
        for (_item, future), result in zip(batch, results, strict=True):
            _settle(future, result)

    def _write(self, items: list[Item]) -> list[Result]:
        with self.db.session() as session:
            results = self.write(session, items)
            commit(session)
        return results

    def _write_alone(self, item: Item, future: asyncio.Future[Result]) -> None:
        try:
            (result,) = self._write([item])
        except (SQLAlchemyError, ValueError, OSError) as exc:
            _settle(future, exc=exc)
            return
        _settle(future, result)


def _settle(future: asyncio.Future[Result], result: Result | None = None,
            exc: BaseException | None = None) -> None:
    if future.done():  # the caller went away (client disconnected)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)  # type: ignore[arg-type]
