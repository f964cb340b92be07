"""The engine, sessions, migrations, and what runs after a commit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from desk.live.notices import CHANNEL, Notice, batches
from desk.settings import Settings

AfterCommit = Callable[[list[int]], None]
LiveSink = Callable[[list[Notice]], None]


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=8,
            max_overflow=16,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """One per process: the engine and the hook that wakes the job runner."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = engine or make_engine(settings.database_url)
        # Called with the ids of jobs a commit created; set by the job backend.
        self.on_jobs: AfterCommit | None = None
        # Given the live notices of each commit when they stay in this process (SQLite);
        # on PostgreSQL they leave by NOTIFY inside the transaction instead.
        self.on_live: LiveSink | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            session.info["db"] = self
            yield session

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """One use case's transaction: what the block wrote is committed (its jobs handed to the
    runner); when the block raises, everything is rolled back and the error goes on."""
    try:
        yield session
    except BaseException:
        session.rollback()
        session.info.pop("new_jobs", None)  # their rows went with the rollback
        session.info.pop("live", None)
        raise
    commit(session)


def commit(session: Session) -> None:
    """Commit, then hand the jobs the transaction created to the job backend.

    Jobs are rows written in the same transaction as the change that needs them,
    so a crash between commit and enqueue loses nothing: a sweep finds them.
    """
    job_ids: list[int] = session.info.pop("new_jobs", [])
    notices: list[Notice] = session.info.pop("live", [])
    notified = bool(notices) and session.get_bind().dialect.name == "postgresql"
    if notified:
        # Sent by PostgreSQL when (and only if) the transaction commits, to every process.
        for group in batches(notices):
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": json.dumps(group, ensure_ascii=False)})
    session.commit()
    db: Any = session.info.get("db")
    if job_ids and db is not None and db.on_jobs is not None:
        db.on_jobs(job_ids)
    if notices and not notified and db is not None and db.on_live is not None:
        db.on_live(notices)
