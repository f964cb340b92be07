"""Backdating: the demo's rows read as weeks of work, not one second of it.

The actions stamp what they write with the current time. While a ``DemoClock``
is attached to a session, every row written through that session (by ORM flush
or by a Core insert) is stamped with the clock's time instead, as is every
timestamp an update sets. The demo can then call the real actions and still
show a queue spread over weeks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, event, inspect
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from desk.models import Job, JobStatus, OutboundMessage, OutboundStatus

# Jobs older than this would have run long ago; newer ones wait for the runner.
SETTLED_AFTER = timedelta(days=1)
# The columns that say when a row was written.
WRITTEN_AT = frozenset({"created_at", "updated_at", "at", "run_at", "next_attempt_at"})
JOB_TABLE = Job.__tablename__
OUTBOX_TABLE = OutboundMessage.__tablename__


class DemoClock:
    def __init__(self, session: Session, real_now: datetime) -> None:
        self.session = session
        self.real_now = real_now
        self.when = real_now

    def __enter__(self) -> DemoClock:
        # The demo writes in one transaction, so one connection sees every insert,
        # whether it comes from an ORM flush or a Core statement.
        self.connection = self.session.connection()
        event.listen(self.session, "before_flush", self._stamp_flush)
        event.listen(self.connection, "before_execute", self._stamp_insert, retval=True)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.connection, "before_execute", self._stamp_insert)
        event.remove(self.session, "before_flush", self._stamp_flush)

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        """Rows written inside the block are dated ``when``."""
        self.when = when
        yield
        self.session.flush()

    def _settled(self) -> bool:
        return self.when < self.real_now - SETTLED_AFTER

    def _stamp_insert(
        self, _conn: Connection, clause: Any, multiparams: Any, params: Any,
        _options: Any,
    ) -> tuple[Any, Any, Any]:
        if not isinstance(clause, Insert):
            return clause, multiparams, params
        table = clause.table
        values: dict[str, Any] = {
            c.name: self.when for c in table.columns if c.name in WRITTEN_AT  # type: ignore[attr-defined]
        }
        if table.name == JOB_TABLE and self._settled():  # type: ignore[attr-defined]
            values.update(status=JobStatus.done, attempts=1, finished_at=self.when)
        elif table.name == OUTBOX_TABLE:  # type: ignore[attr-defined]
            values.update(self._delivered())
        if not values:
            return clause, multiparams, params
        if not multiparams and not params:
            return clause.values(**values), multiparams, params
        return clause, [_restamp(p, values) for p in multiparams], _restamp(params, values)

    def _delivered(self) -> dict[str, Any]:
        # The demo has no mail server: its outbox shows mail as delivered, not as
        # failures against *.example addresses.
        return {"status": OutboundStatus.sent, "attempts": 1, "sent_at": self.when}

    def _stamp_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        for row in session.new:
            for name in WRITTEN_AT:
                if hasattr(row, name):
                    setattr(row, name, self.when)
            if isinstance(row, Job) and self._settled():
                row.status, row.attempts, row.finished_at = JobStatus.done, 1, self.when
            elif isinstance(row, OutboundMessage):
                for name, value in self._delivered().items():
                    setattr(row, name, value)
        for row in session.dirty:
            for attr in inspect(row).attrs:
                if isinstance(attr.value, datetime) and attr.history.added:
                    setattr(row, attr.key, self.when)


def _restamp(params: Any, values: dict[str, Any]) -> Any:
    """Parameters (one dict or a list of dicts) with the clock's values set."""
    if isinstance(params, dict):
        return {**params, **values} if params else params
    if isinstance(params, list):
        return [_restamp(p, values) for p in params]
    return params
