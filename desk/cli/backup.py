"""``desk backup FILE`` and ``desk restore FILE``: the passphrase comes from
``--passphrase-file``, else ``DESK_BACKUP_PASSPHRASE``, else is asked for on a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from desk.settings import Settings

PASSPHRASE_VARIABLE = "DESK_BACKUP_PASSPHRASE"


class PassphraseMissing(ValueError):
    pass


def read_passphrase(args: argparse.Namespace, confirm: bool) -> str:
    """The passphrase: the first line of --passphrase-file, the variable, or typed."""
    if args.passphrase_file:
        lines = Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    if PASSPHRASE_VARIABLE in os.environ:
        return os.environ[PASSPHRASE_VARIABLE]
    if not sys.stdin.isatty():
        raise PassphraseMissing(f"no passphrase: use --passphrase-file FILE or {PASSPHRASE_VARIABLE}")
    import getpass

    typed = getpass.getpass("Backup passphrase: ")
    if confirm and typed and getpass.getpass("Again: ") != typed:
        raise PassphraseMissing("the two passphrases differ")
    return typed


def _counts(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    return (f"{counts['tickets']} tickets, {counts['messages']} messages, "
            f"{counts['attachments']} attachments, {counts['raw_mails']} raw mails, "
            f"{counts['customers']} customers")


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from desk.backup.archive import write_backup
    from desk.backup.sealed import SealError
    from desk.backup.snapshot import SnapshotError

    try:
        passphrase = read_passphrase(args, confirm=True)
        report = write_backup(settings, Path(args.file), passphrase)
    except (PassphraseMissing, SealError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = report.manifest
    print(f"backup written to {report.path}: {report.bytes} bytes in {report.seconds:.1f} s; "
          f"{manifest['database']} at schema {manifest['alembic_revision']}; {_counts(manifest)}; "
          f"{manifest['attachment_files']} attachment files")
    if report.missing_files:
        print(f"warning: {report.missing_files} attachment files were missing (deleted since "
              "their rows were read, or lost before)", file=sys.stderr)
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from desk.backup.restore import RestoreError, restore_backup
    from desk.backup.sealed import SealError
    from desk.backup.snapshot import SnapshotError

    try:
        passphrase = read_passphrase(args, confirm=False)
        report = restore_backup(settings, Path(args.file), passphrase, force=args.force)
    except (PassphraseMissing, SealError, SnapshotError, RestoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = report.manifest
    print(f"restored the backup of {manifest['created_at']} (Desk {manifest['desk_version']}, schema "
          f"{manifest['alembic_revision']}) in {report.seconds:.1f} s: {_counts(manifest)}, "
          f"{report.files} attachment files; the counts match")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _passphrase_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--passphrase-file", metavar="F",
                         help=f"read the passphrase from the first line of F (else "
                              f"{PASSPHRASE_VARIABLE}, else asked)")


def register(sub: Any) -> None:
    backup = sub.add_parser("backup", help="write an encrypted backup while Desk runs")
    backup.add_argument("file", metavar="FILE")
    _passphrase_option(backup)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup onto a fresh data folder and database")
    restore.add_argument("file", metavar="FILE")
    _passphrase_option(restore)
    restore.add_argument("--force", action="store_true",
                         help="replace what the database and data folder hold")
    restore.set_defaults(func=cmd_restore)
