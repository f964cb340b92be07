"""Backup and restore: seconds and bytes of ``desk backup`` and ``desk restore`` of a desk of
--tickets tickets.

Seeds a scratch desk (bench/dataset.py: tickets and customers; bench/ticket_search.py: three
messages per ticket and the search index), adds --attachments files of --attachment-kb each
on the first messages, then times ``desk backup FILE`` (the real command, passphrase from
DESK_BACKUP_PASSPHRASE) and ``desk restore FILE`` into a second scratch desk (a fresh folder
and, on PostgreSQL, a fresh database), which checks the counts against the manifest.

    .venv/bin/python -m bench.backup_restore --tickets 1000000 [--backend postgres]

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, insert, text

from bench.dataset import seed
from bench.servers import Scratch, desk_env, run_desk, say, scratch
from bench.ticket_search import build_index, seed_messages
from desk.db import make_engine
from desk.models import Attachment

PASSPHRASE = "bench backup passphrase, not for production"


def add_attachments(engine: Engine, folder: Path, count: int, size: int) -> int:
    """``count`` files of ``size`` random bytes on the first messages; returns their bytes."""
    root = folder / "attachments"
    with engine.begin() as conn:
        message_ids = list(conn.execute(text("SELECT id FROM message ORDER BY id LIMIT :n"),
                                        {"n": count}).scalars())
        rows = []
        for n, message_id in enumerate(message_ids):
            data = random.randbytes(size)
            key = secrets.token_hex(16)
            (root / key[:2]).mkdir(parents=True, exist_ok=True)
            (root / key[:2] / key).write_bytes(data)
            rows.append({"message_id": message_id, "filename": f"photo-{n}.jpg",
                         "content_type": "image/jpeg", "size": size, "storage_key": key,
                         "sha256": hashlib.sha256(data).hexdigest(), "content_id": ""})
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Attachment.__table__), rows[start:start + 5000])  # type: ignore[attr-defined]
    return len(rows) * size


def database_bytes(where: Scratch) -> int:
    if where.pg is None:
        return sum(p.stat().st_size for p in where.folder.glob("desk.db*"))
    (size,) = where.pg.rows(f"SELECT pg_database_size('{where.pg.name}')")[0]
    assert isinstance(size, int)
    return size


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    out = run_desk(args, env)
    return time.monotonic() - started, out.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000, help="tickets to seed (1000000)")
    p.add_argument("--attachments", type=int, default=2000, help="attachment files (2000)")
    p.add_argument("--attachment-kb", type=int, default=100, help="size of each in KB (100)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = p.parse_args(argv)

    random.seed(5)
    with scratch(args.backend, "desk-bench-backup-") as source, \
            scratch(args.backend, "desk-bench-restore-") as target:
        env = desk_env(source.folder, source.pg.url if source.pg else None,
                       DESK_BACKUP_PASSPHRASE=PASSPHRASE)
        run_desk(["migrate"], env)
        engine = make_engine(source.database_url)
        say(f"seeding {args.tickets} tickets on {args.backend}")
        seeded = seed(engine, args.tickets, progress=say)
        messages, _samples = seed_messages(engine, random.Random(11))
        say(f"{messages} messages; building the search index")
        build_index(engine)
        files_bytes = add_attachments(engine, source.folder, args.attachments,
                                      args.attachment_kb * 1024)
        engine.dispose()
        db_bytes = database_bytes(source)
        backup_file = source.folder.parent / f"{source.folder.name}.backup"
        try:
            say(f"database {db_bytes} bytes, attachments {files_bytes} bytes; desk backup")
            backup_s, backup_out = timed(["backup", str(backup_file)], env)
            say(backup_out)
            backup_bytes = backup_file.stat().st_size
            restore_env = desk_env(target.folder / "var", target.pg.url if target.pg else None,
                                   DESK_BACKUP_PASSPHRASE=PASSPHRASE)
            say("desk restore into a fresh folder" + (" and database" if target.pg else ""))
            restore_s, restore_out = timed(["restore", str(backup_file)], restore_env)
            say(restore_out)
        finally:
            backup_file.unlink(missing_ok=True)
        out = {
            "bench": "backup_restore",
            "backend": args.backend,
            "tickets": args.tickets,
            "messages": messages,
            "attachments": args.attachments,
            "database_bytes": db_bytes,
            "attachment_bytes": files_bytes,
            "backup_bytes": backup_bytes,
            "backup_s": round(backup_s, 1),
            "restore_s": round(restore_s, 1),
            "seed_s": round(seeded.seconds, 1),
            "cpus": os.cpu_count(),
        }
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
