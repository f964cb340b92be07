"""What an import says about each line of the file: the file's lines folded into one entry per
customer (bad lines reported, lines repeating an earlier email or phone merged into it), the
report of what became of each line, and the file of the lines in error."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from desk.actions.customers.csv_files import CsvFile, Entry, RowProblem, RowReader
from desk.i18n import _


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the column's header; "" for the line as a whole
    message: str  # a msgid
    params: dict[str, str] = field(default_factory=dict)

    def text(self, gettext: Callable[[str], str] = lambda m: m) -> str:
        message = gettext(self.message)
        return message % self.params if self.params else message


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # lines merged into an earlier line
    errors: list[RowError] = field(default_factory=list)
    # What became of each line: created, updated, unchanged, duplicate or error.
    outcomes: dict[int, str] = field(default_factory=dict)


def errors_csv(file: CsvFile, report: ImportReport, gettext: Callable[[str], str]) -> bytes:
    """The lines that failed as they were, with their line number and error: fixed, the file
    can be imported again (UTF-8 with a BOM, so Excel reads it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*file.headers, "line", "error"])
    cells = dict(file.rows)
    for error in report.errors:
        row = list(cells.get(error.line, []))
        row += [""] * (len(file.headers) - len(row))
        where = f"{error.column}: " if error.column else ""
        writer.writerow([*row, error.line, where + error.text(gettext)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_entries(file: CsvFile, reader: RowReader, report: ImportReport) -> list[Entry]:
    """One entry per customer the file names: bad lines reported, duplicate lines merged."""
    entries: list[Entry] = []
    owner_of: dict[tuple[str, str], Entry] = {}
    for line, cells in file.rows:
        try:
            entry = reader.entry(line, cells)
        except RowProblem as exc:
            header = file.headers[exc.column] if exc.column is not None else ""
            fail(report, line, header, exc.message, exc.params)
            continue
        keys = [("e", e) for e in entry.emails] + [("p", p) for p in entry.phones]
        earlier = list({id(owner_of[k]): owner_of[k] for k in keys if k in owner_of}.values())
        if len(earlier) > 1:
            fail(report, line, "", _("This line's email and phone match different earlier lines "
                                      "(%(first)s and %(second)s)."),
                  {"first": str(earlier[0].line), "second": str(earlier[1].line)})
            continue
        if earlier:
            earlier[0].absorb(entry)
            report.duplicates += 1
            report.outcomes[line] = "duplicate"
            entry = earlier[0]
        else:
            entries.append(entry)
        for key in keys:
            owner_of.setdefault(key, entry)
    return entries


def fail(report: ImportReport, line: int, column: str, message: str,
          params: dict[str, str] | None = None) -> None:
    report.errors.append(RowError(line, column, message, params or {}))
    report.outcomes[line] = "error"


def fail_entry(report: ImportReport, entry: Entry, column: str, message: str,
                params: dict[str, str] | None = None) -> None:
    for line in (entry.line, *entry.merged_lines):
        fail(report, line, column, message, params)


def count_outcome(report: ImportReport, entry: Entry, outcome: str) -> None:
    report.outcomes[entry.line] = outcome
    setattr(report, outcome, getattr(report, outcome) + 1)
