"""``desk kb import DIR``: a folder of Markdown files with YAML front matter into the knowledge base.

Idempotent: each file's path in the folder is its article's ``source_key``, so importing the folder
again updates those articles (a revision only when the text, title or status changed) and never
duplicates them. A file that cannot be read or saved is reported with its name and line; the others
still import. One index job covers the whole folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from desk.actions.audit import Actor
from desk.actions.kb.articles import ArticleInput, KbError, create_category, index_later, save_article
from desk.models import Article, KbCategory
from desk.settings import Settings
from knowledge_base.importer import ImportedArticle, ImportProblem, read_folder
from knowledge_base.markdown import slugify


@dataclass
class KbImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


def import_folder(session: Session, settings: Settings, actor: Actor, folder: Path,
                  key_prefix: str = "") -> KbImportReport:
    """Import every ``*.md`` under ``folder`` (flushed, not committed). Categories are found by
    name or slug and created when missing; ``translation_of`` links articles into one translation
    group. ``key_prefix`` keeps the keys of a shipped folder (the demo) apart from the desk's own."""
    imported, problems = read_folder(folder)
    report = KbImportReport(problems=list(problems))
    saved: dict[str, Article] = {}
    changed: list[int | None] = []
    for item in imported:
        try:
            article, outcome = _import_one(session, actor, item, key_prefix + item.source_key)
        except KbError as error:
            report.problems.append(ImportProblem(item.source_key, _line_of(folder, item, error.field),
                                                 str(error)))
            continue
        saved[item.source_key] = article
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            changed.append(article.id)
    for item in imported:
        linkable = item.translation_of is not None and item.source_key in saved
        if linkable and _link_translation(session, actor, item, saved, key_prefix, report, folder):
            changed.append(saved[item.source_key].id)
    index_later(session, changed)
    report.problems.sort(key=lambda p: (p.path, p.line))
    return report


def _import_one(session: Session, actor: Actor, item: ImportedArticle,
                key: str) -> tuple[Article, str]:
    """Save one file's article; says whether it was created, updated or unchanged."""
    existing = session.exec(select(Article).where(Article.source_key == key)).first()
    data = ArticleInput(title=item.title, body_markdown=item.body_markdown, locale=item.locale,
                        category_id=_category_id(session, actor, item.category), tags=list(item.tags),
                        status=item.status, visibility=item.visibility)
    if existing is None:
        return save_article(session, actor, None, actor.name, None, data, source_key=key), "created"
    stamp = existing.updated_at
    save_article(session, actor, None, actor.name, existing, data)
    return existing, ("unchanged" if existing.updated_at == stamp else "updated")


def _category_id(session: Session, actor: Actor, name: str) -> int:
    """The category of this name or slug, created (top level) when missing."""
    slug = slugify(name)
    found = session.exec(select(KbCategory).where(
        (KbCategory.slug == slug) | (KbCategory.name == name))).first()
    category = found or create_category(session, actor, name)
    assert category.id is not None
    return category.id


def _link_translation(session: Session, actor: Actor, item: ImportedArticle, saved: dict[str, Article],
                      key_prefix: str, report: KbImportReport, folder: Path) -> bool:
    """Put the article in its original's translation group; True when that changed it."""
    assert item.translation_of is not None
    article = saved[item.source_key]
    original = saved.get(item.translation_of) or session.exec(
        select(Article).where(Article.source_key == key_prefix + item.translation_of)).first()
    if original is None:
        report.problems.append(ImportProblem(
            item.source_key, _line_of(folder, item, "translation_of"),
            f"'translation_of' names {item.translation_of}, which is not in the knowledge base"))
        return False
    if original.translation_group is not None and original.translation_group == article.translation_group:
        return False
    data = ArticleInput(title=article.title, body_markdown=article.body_markdown, locale=article.locale,
                        category_id=article.category_id, tags=list(article.tags or []),
                        status=article.status, visibility=article.visibility,
                        translation_of=original.id)
    try:
        save_article(session, actor, None, actor.name, article, data)
    except KbError as error:
        report.problems.append(ImportProblem(item.source_key, _line_of(folder, item, "translation_of"),
                                             str(error)))
        return False
    return True


def _line_of(folder: Path, item: ImportedArticle, field_name: str) -> int:
    """The front-matter line naming this field (1 when it is not there)."""
    key = {"body_markdown": "", "category_id": "category"}.get(field_name, field_name)
    try:
        lines = (folder / item.source_key).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    for number, line in enumerate(lines, start=1):
        if key and line.split(":", 1)[0].strip() == key:
            return number
        if number > 1 and line.strip() == "---":
            return number + 1 if not key else 1
    return 1
