"""The web form's spool: requests as customers sent them, stored before they are answered.

A SQLite file of its own in the data folder (`form-spool.db`), whatever the main database:
a web process storing requests there never waits for the intake's transactions, which
hold the main database's write lock (on SQLite) for most of a busy second. WAL and
`synchronous=NORMAL`, like the main database: a stored request survives the process
being killed. Ids are never reused (AUTOINCREMENT): the intake's ledger
(`FormSubmission`) names requests by (spool id, request id).

One writer: `desk serve` stores requests (`store`), and in the same transaction forgets
those the intake has reported in its ledger; so a store never waits for another writer
and runs on the event loop. Only the intake process reads (`after`)."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from desk.models.base import now

SPOOL_FILE = "form-spool.db"
LOCK_FILE = "form-spool.lock"  # held by the one intake process taking from the spool

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS request (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "payload TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def spool_path(data_dir: Path) -> Path:
    return data_dir / SPOOL_FILE


class Spool:
    """One connection to the spool; use it from one thread at a time."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(spool_path(data_dir), timeout=30, check_same_thread=False,
                                    isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                self.conn.execute(statement)
            found = self.conn.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()
            if found is None:
                found = (uuid.uuid4().hex[:16],)
                self.conn.execute("INSERT INTO meta (key, value) VALUES ('id', ?)", found)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.id: str = found[0]

    def store(self, payloads: list[str], forget_upto: int = 0) -> list[int]:
        """Store requests in one transaction; their ids, in order, once committed. Requests
        up to `forget_upto` (the ledger holds them all) are deleted in the same transaction."""
        at = now().isoformat()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if forget_upto:
                self.conn.execute("DELETE FROM request WHERE id <= ?", (forget_upto,))
            self.conn.executemany("INSERT INTO request (payload, created_at) VALUES (?, ?)",
                                  [(payload, at) for payload in payloads])
            # The transaction holds the write lock: its rows' ids are consecutive.
            last: int = self.conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return list(range(last - len(payloads) + 1, last + 1))

    def after(self, request_id: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` stored requests with ids over `request_id`, oldest first."""
        return list(self.conn.execute(
            "SELECT id, payload FROM request WHERE id > ? ORDER BY id LIMIT ?", (request_id, limit)))

    def last_stored(self) -> int:
        """The id of the newest request ever stored (0: none)."""
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'request'").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()
