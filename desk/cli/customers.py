"""`desk customers import FILE.csv`: customers from a CSV file, update-or-create.

Columns are matched to fields by their headers (English or Chinese); `--map "Header=field"`
overrides one (an empty field ignores the column). Exit status: 0 when the file was processed,
even with lines in error (they are counted, and written to `--errors FILE` or the first 20
printed); 2 when the file or the mapping cannot be used."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.actions.customers.import_report import ImportReport
    from desk.settings import Settings

SHOWN_ERRORS = 20


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    # Loaded only for this command: `desk` starts without them (bench/startup.py).
    from desk.actions.audit import SYSTEM
    from desk.actions.customers.csv_files import (
        CsvError,
        guess_mapping,
        parse_map_options,
        read_csv,
    )
    from desk.actions.customers.imports import import_customers
    from desk.actions.customers.records import field_definitions
    from desk.db import Database
    from desk.migrate import upgrade

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: {path}: {exc.strerror}", file=sys.stderr)
        return 2
    db = Database(settings)
    upgrade(db.engine)
    try:
        file = read_csv(data)
        with db.session() as session:
            mapping = guess_mapping(file.headers, field_definitions(session))
        for column, target in parse_map_options(args.map, file.headers).items():
            mapping[column] = target
        report = import_customers(db, SYSTEM, file, mapping, dry_run=args.dry_run)
    except CsvError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    columns = ", ".join(f"{h} -> {t}" for h, t in zip(file.headers, mapping, strict=True) if t)
    print(f"{path}: {file.encoding}, delimiter {file.delimiter!r}; columns: {columns}",
          file=sys.stderr)
    _errors(args, file, report)
    print(("dry run: " if args.dry_run else "") + f"{report.created} created, {report.updated} "
          f"updated, {report.unchanged} unchanged, {report.duplicates} duplicate lines merged, "
          f"{len(report.errors)} errors")
    return 0


def _errors(args: argparse.Namespace, file: Any, report: ImportReport) -> None:
    from desk.actions.customers.import_report import errors_csv

    if args.errors:
        Path(args.errors).write_bytes(errors_csv(file, report, lambda m: m))
        return
    for error in report.errors[:SHOWN_ERRORS]:
        where = f" ({error.column})" if error.column else ""
        print(f"line {error.line}{where}: {error.text()}", file=sys.stderr)
    if len(report.errors) > SHOWN_ERRORS:
        print(f"... and {len(report.errors) - SHOWN_ERRORS} more (write them all with --errors FILE)",
              file=sys.stderr)


def register(sub: Any) -> None:
    """Add `desk customers ...` to the `desk` command's subparsers."""
    customers = sub.add_parser("customers", help="customer records: import from CSV")
    cmds = customers.add_subparsers(dest="customers_cmd", required=True)
    imp = cmds.add_parser("import", help="import customers from a CSV file (update-or-create by "
                          "email and phone)")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                     help="map a column to a field (name, email, emails, phone, phones, "
                          "organization, tier, tags, owner, source, field:KEY; empty: ignore); "
                          "repeatable")
    imp.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    imp.add_argument("--errors", metavar="FILE", help="write the lines in error to this CSV file")
    imp.set_defaults(func=cmd_import)
