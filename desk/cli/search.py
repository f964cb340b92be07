"""`desk search rebuild`: the ticket search index made again from the database.

Migration 0014 fills the index once and every write keeps it in step; rebuilding is for a
restored backup, a bulk load written around the actions, or words made differently by a
newer desk.search_words."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.settings import Settings


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.tickets.search_index import rebuild
    from desk.db import Database
    from desk.migrate import upgrade

    def progress(done: int) -> None:
        if done % 100_000 == 0:
            print(f"{done} tickets", file=sys.stderr)

    db = Database(settings)
    started = time.monotonic()
    try:
        upgrade(db.engine)
        with db.engine.begin() as connection:
            count = rebuild(connection, progress)
    finally:
        db.dispose()
    print(f"ticket search index rebuilt: {count} tickets in {time.monotonic() - started:.1f} s")
    return 0


def register(sub: Any) -> None:
    """Add `desk search ...` to the `desk` command's subparsers."""
    search = sub.add_parser("search", help="the ticket search index")
    cmds = search.add_subparsers(dest="search_cmd", required=True)
    cmds.add_parser("rebuild", help="make the ticket search index again from the database"
                    ).set_defaults(func=cmd_rebuild)
