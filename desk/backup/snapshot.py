"""A consistent copy of the database while Desk writes, with what it holds counted in the
same view of the data.

SQLite: the online backup API, in one step, into a file (the source keeps taking writes; WAL).
PostgreSQL: a repeatable-read transaction exports its snapshot; the counts, the attachment
list and ``pg_dump --format=custom --snapshot`` all read that one snapshot."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from desk.db import make_engine

COUNTED = {"tickets": "ticket", "messages": "message", "attachments": "attachment",
           "raw_mails": "rawmessage", "customers": "customer"}


class SnapshotError(RuntimeError):
    """The database could not be copied (pg_dump missing or failing)."""


@dataclass
class Snapshot:
    database: str  # "sqlite" or "postgresql"
    path: Path  # the database file, or pg_dump's custom-format archive
    revision: str
    counts: dict[str, int]
    # Storage keys of the attachment rows in the snapshot, one per line.
    keys_path: Path
    extra: dict[str, str] = field(default_factory=dict)


def sqlite_path(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise SnapshotError("only a SQLite database in a file can be backed up")
    return Path(name)


def pg_command(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SnapshotError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """The database as a libpq URI without its password, and the environment carrying the
    password (so it never shows in the process list)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def take_snapshot(database_url: str, folder: Path) -> Snapshot:
    """Copy the database into ``folder`` (a private temporary folder)."""
    if database_url.startswith("sqlite"):
        return _sqlite(database_url, folder)
    return _postgres(database_url, folder)


def _sqlite(database_url: str, folder: Path) -> Snapshot:
    copy = folder / "desk.db"
    source = sqlite3.connect(sqlite_path(database_url), timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a read transaction, writers go on (WAL)
        finally:
            target.close()
    finally:
        source.close()
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            revision, counts = _facts(conn)
            keys = _write_keys(conn, folder)
    finally:
        engine.dispose()
    return Snapshot("sqlite", copy, revision, counts, keys)


def _postgres(database_url: str, folder: Path) -> Snapshot:
    pg_dump = pg_command("pg_dump")
    target, env = libpq_target(database_url)
    dump = folder / "desk.pgdump"
    engine = make_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision, counts = _facts(conn)
            keys = _write_keys(conn, folder)
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot_id}", f"--file={dump}", f"--dbname={target}"],
                env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SnapshotError(f"pg_dump failed: {done.stderr.strip()}")
    finally:
        engine.dispose()
    return Snapshot("postgresql", dump, revision, counts, keys)


def _facts(conn: Connection) -> tuple[str, dict[str, int]]:
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    counts = {name: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
              for name, table in COUNTED.items()}
    return str(revision), counts


def _write_keys(conn: Connection, folder: Path) -> Path:
    path = folder / "attachment-keys.txt"
    rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(
        text("SELECT storage_key FROM attachment WHERE storage_key <> '' ORDER BY id"))
    with open(path, "w", encoding="ascii") as out:
        for (key,) in rows:
            out.write(key + "\n")
    return path


def read_keys(path: Path) -> Iterator[str]:
    with open(path, encoding="ascii") as keys:
        for line in keys:
            if line.strip():
                yield line.strip()
