"""`desk kb import|reindex|check`: the knowledge base from the command line.

`import DIR` reads a folder of Markdown files with YAML front matter (idempotent: the same folder
again updates its articles) and indexes what changed; every problem is printed as
`file:line: message` and makes the exit status 1, after the other files are imported."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.db import Database
    from desk.settings import Settings

# The database, the actions and the index (Whoosh, jieba) load inside the commands: `desk`
# starts without them (bench/startup.py).


def _database(settings: Settings) -> Database:
    from desk.db import Database
    from desk.migrate import upgrade

    db = Database(settings)
    upgrade(db.engine)
    return db


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    from desk.actions.audit import SYSTEM
    from desk.actions.kb.imports import import_folder
    from desk.db import commit

    db = _database(settings)
    try:
        with db.session() as session:
            report = import_folder(session, settings, SYSTEM, folder)
            job_ids = list(session.info.get("new_jobs", []))
            commit(session)
        _index_now(db, settings, job_ids)
    finally:
        db.dispose()
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
          f"{len(report.problems)} problems")
    return 1 if report.problems else 0


def _index_now(db: Database, settings: Settings, job_ids: list[int]) -> None:
    """Index the imported articles here rather than wait for a worker; the queued job then has
    nothing left to do, but stays queued so an index that failed here is still brought up to date."""
    from desk.kb_index import index_articles
    from desk.models import Job

    with db.session() as session:
        ids = sorted({i for job_id in job_ids if (job := session.get(Job, job_id)) is not None
                      for i in job.args.get("article_ids", [])})
    if ids:
        index_articles(db, settings, ids)


def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    from desk.kb_index import reindex

    db = _database(settings)
    try:
        count = reindex(db, settings)
    finally:
        db.dispose()
    print(f"knowledge-base index rebuilt: {count} published articles")
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from desk.kb_index import ensure_index

    db = _database(settings)
    try:
        print(ensure_index(db, settings))
    finally:
        db.dispose()
    return 0


def register(sub: Any) -> None:
    """Add `desk kb ...` to the `desk` command's subparsers."""
    kb = sub.add_parser("kb", help="the knowledge base: import articles, rebuild the search index")
    cmds = kb.add_subparsers(dest="kb_cmd", required=True)
    imp = cmds.add_parser("import", help="import a folder of Markdown files with YAML front matter")
    imp.add_argument("folder", metavar="DIR")
    imp.set_defaults(func=cmd_import)
    cmds.add_parser("reindex", help="rebuild the search index from the database").set_defaults(
        func=cmd_reindex)
    cmds.add_parser("check", help="rebuild the search index if it is missing, damaged or stale"
                    ).set_defaults(func=cmd_check)
