"""Reading a customer CSV: bytes in any encoding Excel writes, the delimiter sniffed, and the
columns matched to customer fields by their headers (English and Chinese names).

Pure: no database. The importer (desk.actions.customers.imports) turns the rows into records."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desk.actions.customers.records import (
    MAX_IDENTITIES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    CustomerError,
    field_value,
)
from desk.actions.ingest.cleaning import one_line
from desk.contacts import InvalidContact, normalise_email, normalise_phone
from desk.i18n import _
from desk.models import CustomerField, Source

# The targets a column can be mapped to; custom fields are "field:<key>". "" = ignored.
TARGETS = ("name", "email", "emails", "phone", "phones", "organization", "tier", "tags", "owner",
           "source")
FIELD_PREFIX = "field:"
# Header spellings, compared case-insensitively with spaces, "-" and "_" removed.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "姓名", "名字", "客户", "客户名称"),
    "email": ("email", "e-mail", "mail", "emailaddress", "邮箱", "电子邮件", "电子邮箱", "邮件"),
    "emails": ("emails", "otheremails", "其他邮箱"),
    "phone": ("phone", "mobile", "telephone", "tel", "phonenumber", "电话", "手机", "手机号",
              "电话号码"),
    "phones": ("phones", "otherphones", "其他电话"),
    "organization": ("organization", "organisation", "company", "公司", "单位", "组织"),
    "tier": ("tier", "等级", "级别"),
    "tags": ("tags", "tag", "标签"),
    "owner": ("owner", "负责人"),
    "source": ("source", "来源"),
}
# Tried in this order: Excel's "CSV UTF-8" (with a BOM), plain UTF-8, then what Excel on
# Chinese Windows writes (GB18030 covers GBK and GB2312), then Traditional Chinese.
ENCODINGS = ("utf-8", "gb18030", "big5")
DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 200
TIERS = {"vip": "vip", "standard": "standard", "prospect": "prospect",
         "贵宾": "vip", "标准": "standard", "潜在": "prospect"}
# Several values in one cell: emails and phones by separators or spaces, tags by separators
# (a tag may hold a space); full-width Chinese punctuation too.
_VALUES = re.compile(r"[;,\s，；、]+")
_TAGS = re.compile(r"[;,，；、]")


class CsvError(ValueError):
    """A file (or a mapping) that cannot be used: ``message`` is a msgid translated where it
    is shown, formatted with ``params`` after."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class CsvFile:
    encoding: str
    delimiter: str
    headers: list[str]
    # (line number in the file, the cells), header excluded, blank lines skipped.
    rows: list[tuple[int, list[str]]]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read with. Raises CsvError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvError(_("The file could not be read: it is neither UTF-8, GBK/GB18030 nor "
                             "Big5 text.")) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, encoding
    raise CsvError(_("The file could not be read: it is neither UTF-8, GBK/GB18030 nor Big5 text."))


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most (a comma when it uses none)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes) -> CsvFile:
    """Decode and split a CSV file. Raises CsvError when it is not one."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
        if not any(headers):
            raise CsvError(_("The file is empty: the first line must name the columns."))
        if len(headers) > MAX_COLUMNS:
            raise CsvError(_("The file has too many columns (200 at most)."))
        rows: list[tuple[int, list[str]]] = []
        last = reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                rows.append((start, cells))
    except csv.Error:
        raise CsvError(_("The file is not a valid CSV file.")) from None
    return CsvFile(encoding, delimiter, headers, rows)


def _folded(header: str) -> str:
    return "".join(header.casefold().split()).replace("_", "").replace("-", "")


def guess_mapping(headers: Sequence[str], fields: Sequence[CustomerField]) -> list[str]:
    """The target of each column by its header ("" when none matches); a target is given to
    its first column only."""
    known = {_folded(alias): target for target, aliases in ALIASES.items() for alias in aliases}
    for f in fields:
        known.setdefault(_folded(f.key), FIELD_PREFIX + f.key)
        known.setdefault(_folded(f.label), FIELD_PREFIX + f.key)
    mapping: list[str] = []
    for header in headers:
        target = known.get(_folded(header), "")
        mapping.append("" if target in mapping else target)
    return mapping


def valid_targets(fields: Sequence[CustomerField]) -> list[str]:
    return [*TARGETS, *(FIELD_PREFIX + f.key for f in fields)]


def parse_map_options(options: Sequence[str], headers: Sequence[str]) -> dict[int, str]:
    """``Column Header=field`` options (the CLI's --map) as {column index: target}; an empty
    target ignores the column. Raises CsvError naming an unknown header."""
    folded = [_folded(h) for h in headers]
    chosen: dict[int, str] = {}
    for option in options:
        header, sep, target = option.rpartition("=")
        if not sep or _folded(header) not in folded:
            raise CsvError(_("No column is named %(name)s."), name=header or option)
        chosen[folded.index(_folded(header))] = target.strip()
    return chosen


# -- one row ----------------------------------------------------------------------------------------

class RowProblem(ValueError):
    """Why a row cannot be imported: ``column`` its index (None: the row as a whole),
    ``message`` a msgid formatted with ``params``."""

    def __init__(self, column: int | None, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.column = column
        self.message = message
        self.params = params


@dataclass(slots=True)
class Entry:
    """What the file says about one customer: its first line, and the later lines that named
    the same email or phone merged in. Empty values say nothing (they never clear a field)."""

    line: int
    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str = ""
    tier: str = ""
    tags: list[str] = field(default_factory=list)
    owner_id: int | None = None
    source: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    merged_lines: list[int] = field(default_factory=list)

    def absorb(self, later: Entry) -> None:
        """Merge a later line in: its non-empty values win, identities and tags add up."""
        self.name = later.name or self.name
        self.organization = later.organization or self.organization
        self.tier = later.tier or self.tier
        self.owner_id = later.owner_id if later.owner_id is not None else self.owner_id
        self.source = later.source or self.source
        self.fields.update(later.fields)
        self.emails += [e for e in later.emails if e not in self.emails]
        self.phones += [p for p in later.phones if p not in self.phones]
        self.tags = sorted(set(self.tags) | set(later.tags))
        self.merged_lines.append(later.line)


@dataclass(frozen=True)
class RowReader:
    """Turns a row's cells into an Entry with the editor's rules."""

    mapping: Sequence[str]
    fields: Mapping[str, CustomerField]
    owners: Mapping[str, int]  # active staff by lower-cased email

    def entry(self, line: int, cells: Sequence[str]) -> Entry:
        """Raises RowProblem for the first bad value."""
        entry = Entry(line)
        for column, target in enumerate(self.mapping):
            raw = cells[column].strip() if column < len(cells) else ""
            if target and raw:
                self._take(entry, column, target, raw)
        if not entry.emails:
            email_column = next((i for i, t in enumerate(self.mapping) if t == "email"), None)
            raise RowProblem(email_column, _("At least one email address is required."))
        if len(entry.emails) > MAX_IDENTITIES or len(entry.phones) > MAX_IDENTITIES:
            raise RowProblem(None, _("Too many values (20 at most)."))
        return entry

    def _take(self, entry: Entry, column: int, target: str, raw: str) -> None:
        if target in ("email", "emails"):
            entry.emails += [v for v in (_contact(column, normalise_email, value, True)
                                         for value in _VALUES.split(raw) if value)
                             if v not in entry.emails]
        elif target in ("phone", "phones"):
            # A phone cell is one number (it may hold spaces); "phones" lists several.
            values = _TAGS.split(raw) if target == "phones" else [raw]
            entry.phones += [v for v in (_contact(column, normalise_phone, value, False)
                                         for value in values if value.strip())
                             if v not in entry.phones]
        elif target in ("name", "organization"):
            name = one_line(raw).strip()  # as the form and the intake clean a name
            if len(name) > 200:
                raise RowProblem(column, _("The name is too long (200 characters at most)."))
            setattr(entry, target, name)
        elif target == "tier":
            tier = TIERS.get(raw.casefold())
            if tier is None:
                raise RowProblem(column, _("Choose VIP, standard or prospect."))
            entry.tier = tier
        elif target == "tags":
            entry.tags = _tags(column, raw)
        elif target == "owner":
            owner = self.owners.get(raw.lower())
            if owner is None:
                raise RowProblem(column, _("No such agent."))
            entry.owner_id = owner
        elif target == "source":
            if raw.lower() not in {s.value for s in Source}:
                raise RowProblem(column, _("Unknown source."))
            entry.source = raw.lower()
        elif target.startswith(FIELD_PREFIX):
            definition = self.fields[target.removeprefix(FIELD_PREFIX)]
            try:
                entry.fields[definition.key] = field_value(definition, raw)
            except CustomerError as exc:
                raise RowProblem(column, exc.message, **exc.params) from None


def _contact(column: int, normalise: Any, value: str, is_email: bool) -> str:
    try:
        clean: str = normalise(value)
    except InvalidContact:
        message = (_("%(value)s is not a valid email address.") if is_email
                   else _("%(value)s is not a valid phone number."))
        raise RowProblem(column, message, value=value) from None
    return clean


def _tags(column: int, raw: str) -> list[str]:
    tags = sorted({t.strip().lower() for t in _TAGS.split(raw) if t.strip()})
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise RowProblem(column, _("Up to 30 tags of 50 characters each."))
    return tags
