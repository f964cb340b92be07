"""Import a folder of Markdown articles with YAML front matter.

Each file's path relative to the folder is its ``source_key``: importing the same folder again updates
the articles with those keys instead of creating new ones. A file with bad front matter is reported
with its name and line, and the other files still import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import yaml

from knowledge_base.documents import LOCALES, STATUSES, VISIBILITIES, ArticleDoc, Locale, Status, Visibility
from knowledge_base.markdown import slugify

REQUIRED = ("title", "locale", "category")
_FENCE = re.compile(r"^---\s*$")


@dataclass(frozen=True)
class ImportProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ImportedArticle:
    """One article read from a file; ``source_key`` (its relative path) identifies it across imports."""

    source_key: str
    title: str
    body_markdown: str
    locale: Locale
    category: str
    slug: str
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    status: Status = "published"
    visibility: Visibility = "public"
    translation_of: str | None = None
    """The ``source_key`` of the article this one translates, if any."""

    def to_doc(self, id: int) -> ArticleDoc:
        return ArticleDoc(
            id=id, title=self.title, body_markdown=self.body_markdown, locale=self.locale,
            category=self.category, slug=self.slug, updated_at=self.updated_at, tags=list(self.tags),
            status=self.status, visibility=self.visibility,
        )


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def read_folder(folder: Path) -> tuple[list[ImportedArticle], list[ImportProblem]]:
    """Every ``*.md`` under ``folder`` (sorted), and the problems of the files that could not be read."""
    articles: list[ImportedArticle] = []
    problems: list[ImportProblem] = []
    for path in sorted(folder.rglob("*.md")):
        key = path.relative_to(folder).as_posix()
        try:
            articles.append(read_file(path, key))
        except _Invalid as error:
            problems.append(ImportProblem(key, error.line, error.message))
        except (OSError, UnicodeDecodeError) as error:
            problems.append(ImportProblem(key, 1, f"cannot read file: {error}"))
    return articles, problems


def read_file(path: Path, source_key: str) -> ImportedArticle:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not _FENCE.match(lines[0]):
        raise _Invalid(1, "missing front matter: the file must start with a '---' line")
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise _Invalid(1, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise _Invalid((mark.line + 2) if mark else 1, f"invalid YAML: {error.problem}") from None
    if not isinstance(meta, dict):
        raise _Invalid(2, "front matter must be a mapping of fields")
    header = lines[1:end]
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return ImportedArticle(
        source_key=source_key,
        title=_text(meta, "title", header),
        body_markdown=body,
        locale=cast(Locale, _choice(meta, "locale", LOCALES, header, None)),
        category=_text(meta, "category", header),
        slug=slugify(_text(meta, "title", header)),
        updated_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        tags=_tags(meta, header),
        status=cast(Status, _choice(meta, "status", STATUSES, header, "published")),
        visibility=cast(Visibility, _choice(meta, "visibility", VISIBILITIES, header, "public")),
        translation_of=_translation(meta, header, source_key),
    )


def _line_of(key: str, header: list[str]) -> int:
    for number, line in enumerate(header, start=2):
        if line.split(":", 1)[0].strip() == key:
            return number
    return 1


def _text(meta: dict[str, Any], key: str, header: list[str]) -> str:
    value = meta.get(key)
    if value is None or not str(value).strip():
        raise _Invalid(_line_of(key, header), f"'{key}' is required")
    if not isinstance(value, str | int | float):
        raise _Invalid(_line_of(key, header), f"'{key}' must be text")
    return str(value).strip()


def _choice(meta: dict[str, Any], key: str, allowed: tuple[str, ...], header: list[str],
            default: str | None) -> str:
    value = meta.get(key, default)
    if value not in allowed:
        raise _Invalid(_line_of(key, header), f"'{key}' must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _tags(meta: dict[str, Any], header: list[str]) -> list[str]:
    value = meta.get("tags") or []
    if isinstance(value, str):
        value = [t for t in re.split(r"[,，]", value)]
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise _Invalid(_line_of("tags", header), "'tags' must be a list of words")
    return [str(t).strip() for t in value if str(t).strip()]


def _translation(meta: dict[str, Any], header: list[str], source_key: str) -> str | None:
    value = meta.get("translation_of")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(_line_of("translation_of", header), "'translation_of' must be a file name")
    stem = value.strip()
    folder = source_key.rsplit("/", 1)[0] + "/" if "/" in source_key else ""
    return stem if stem.endswith(".md") else f"{folder}{stem}.md"
