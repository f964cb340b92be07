"""How notices travel between processes: PostgreSQL's LISTEN/NOTIFY, or this process alone.

Notices that actions record go out with their transaction (`desk.db.commit`); this module
carries the rest (presence: who views or types) and listens."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress

from sqlalchemy import text

from desk.db import Database
from desk.live.hub import Hub
from desk.live.notices import CHANNEL, Notice, batches

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2.0


def is_postgres(db: Database) -> bool:
    return db.engine.dialect.name == "postgresql"


def send(db: Database, hub: Hub, notices: list[Notice]) -> None:
    """Send notices outside any transaction (blocking: call it from a thread). On PostgreSQL
    every process hears them, this one included; otherwise only this process's hub."""
    if not is_postgres(db):
        hub.deliver_threadsafe(notices)
        return
    with db.engine.connect() as conn:
        for group in batches(notices):
            conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                         {"channel": CHANNEL, "payload": json.dumps(group, ensure_ascii=False)})
        conn.commit()


def _dsn(db: Database) -> str:
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def listen(db: Database, hub: Hub) -> None:
    """Hand every notice sent on PostgreSQL to `hub`, until cancelled; reconnects after a
    lost connection (pages reload what they missed)."""
    import psycopg

    hearing = hub.hearing = hub.hearing or asyncio.Event()
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(_dsn(db), autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                hearing.set()
                async for notify in conn.notifies():
                    try:
                        group = json.loads(notify.payload)
                    except ValueError:
                        continue
                    hub.deliver([n for n in group if isinstance(n, dict)])
        except asyncio.CancelledError:
            raise
        except (psycopg.Error, OSError) as error:
            hearing.clear()
            log.warning("live updates: PostgreSQL listener lost (%s); reconnecting", error)
            await asyncio.sleep(RECONNECT_SECONDS)


def start(db: Database, hub: Hub) -> asyncio.Task[None] | None:
    """Begin listening (PostgreSQL) or take this process's commits (SQLite). Call on the
    event loop; returns the listener task to cancel on shutdown."""
    hub.bind(asyncio.get_running_loop())
    if is_postgres(db):
        hub.hearing = asyncio.Event()  # not yet: streams opened before LISTEN wait for it
        return asyncio.get_running_loop().create_task(listen(db, hub))
    db.on_live = hub.deliver_threadsafe
    return None


async def stop(db: Database, task: asyncio.Task[None] | None) -> None:
    db.on_live = None
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
