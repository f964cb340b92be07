"""``desk retention run [--dry-run]``: the retention rules (set on /admin/retention) applied
now, as the daily job does; a dry run says what they would take and changes nothing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.settings import Settings


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.retention.sweep import COMMAND_ACTOR, run_retention
    from desk.db import Database
    from desk.migrate import upgrade

    db = Database(settings)
    try:
        upgrade(db.engine)
        with db.session() as session:
            outcome = run_retention(session, settings.attachments_dir, COMMAND_ACTOR,
                                    dry_run=args.dry_run)
    finally:
        db.dispose()
    print(outcome.describe())
    return 0


def register(sub: Any) -> None:
    """Add `desk retention ...` to the `desk` command's subparsers."""
    retention = sub.add_parser("retention", help="the retention rules")
    cmds = retention.add_subparsers(dest="retention_cmd", required=True)
    run = cmds.add_parser("run", help="apply the retention rules now (recorded in the audit log)")
    run.add_argument("--dry-run", action="store_true", help="only count what they would take")
    run.set_defaults(func=cmd_run)
