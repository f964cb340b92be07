"""Reading the knowledge base from the database: categories, article lists and pages,
translations, revisions, and the report of views, votes and deflection counts.

Public callers pass nothing extra and see published public articles only; the agent side asks
for unpublished or internal ones explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from desk.models import Article, ArticleRevision, ArticleStatus, DeflectionEvent, DeflectionKind, KbCategory
from desk.models import Visibility as Vis


@dataclass(frozen=True)
class ArticleStats:
    """One row of the knowledge-base report."""

    article_id: int
    title: str
    locale: str
    status: str
    visibility: str
    views: int
    helpful_yes: int
    helpful_no: int
    suggested: int
    opened: int
    abandoned: int
    submitted: int


@dataclass(frozen=True)
class ArticleFilter:
    """What staff narrow the article list by (any status, internal ones too)."""

    status: str | None = None
    locale: str | None = None
    category_id: int | None = None
    text: str = ""


def categories(session: Session) -> list[KbCategory]:
    """Every category, parents before their children, each level by position then name."""
    rows = list(session.exec(select(KbCategory).order_by(col(KbCategory.position),
                                                          col(KbCategory.name))))
    ordered: list[KbCategory] = []
    for parent in (c for c in rows if c.parent_id is None):
        ordered.append(parent)
        ordered.extend(c for c in rows if c.parent_id == parent.id)
    return ordered


def category_by_slug(session: Session, slug: str) -> KbCategory | None:
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses to compare it
        return None
    return session.exec(select(KbCategory).where(KbCategory.slug == slug)).first()


def category_slugs(session: Session) -> dict[int | None, str]:
    return {c.id: c.slug for c in session.exec(select(KbCategory))}


def _visible(query: SelectOfScalar[Article], include_unpublished: bool,
             include_internal: bool) -> SelectOfScalar[Article]:
    if not include_unpublished:
        query = query.where(Article.status == ArticleStatus.published)
    if not include_internal:
        query = query.where(Article.visibility == Vis.public)
    return query


def published_articles(session: Session, locale: str | None = None, category_id: int | None = None,
                       include_internal: bool = False, limit: int = 50, offset: int = 0) -> list[Article]:
    """Published articles by title; a parent category's list includes its children's articles."""
    query = _visible(select(Article), False, include_internal)
    if locale is not None:
        query = query.where(Article.locale == locale)
    if category_id is not None:
        children = select(KbCategory.id).where(KbCategory.parent_id == category_id)
        query = query.where((col(Article.category_id) == category_id)
                            | col(Article.category_id).in_(children))
    query = query.order_by(col(Article.title), col(Article.id)).offset(max(offset, 0)).limit(limit)
    return list(session.exec(query))


def list_articles(session: Session, f: ArticleFilter, limit: int = 50,
                  before: int | None = None) -> list[Article]:
    """Articles in any status, newest first; ``before`` pages by id. For staff and the API."""
    query = select(Article).order_by(col(Article.id).desc()).limit(limit)
    if f.status:
        query = query.where(Article.status == f.status)
    if f.locale:
        query = query.where(Article.locale == f.locale)
    if f.category_id:
        query = query.where(Article.category_id == f.category_id)
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(col(Article.title).ilike(pattern, escape="\\"),
                                col(Article.body_markdown).ilike(pattern, escape="\\")))
    if before:
        query = query.where(col(Article.id) < before)
    return list(session.exec(query))


def translation_choices(session: Session, article_id: int | None, limit: int = 500) -> list[Article]:
    """The articles the editor offers to link a translation to: every other one, by title."""
    query = select(Article).where(Article.id != (article_id or 0))
    return list(session.exec(query.order_by(col(Article.title)).limit(limit)))


def published_by_id(session: Session, ids: list[int], include_internal: bool) -> dict[int, Article]:
    """Those of ``ids`` that are published (and public, unless ``include_internal``), by id:
    the search index may lag a save, so its hits are checked here."""
    if not ids:
        return {}
    query = select(Article).where(col(Article.id).in_(ids), Article.status == ArticleStatus.published)
    if not include_internal:
        query = query.where(Article.visibility == Vis.public)
    return {a.id: a for a in session.exec(query) if a.id is not None}


def article_for(session: Session, article_id: int, include_unpublished: bool = False,
                include_internal: bool = False) -> Article | None:
    """The article if this reader may see it, else None (the page answers 404 either way)."""
    query = _visible(select(Article).where(col(Article.id) == article_id), include_unpublished,
                     include_internal)
    return session.exec(query).first()


def related_articles(session: Session, article: Article, limit: int = 5) -> list[Article]:
    """Published articles in the same language and visibility, most shared tags first, then the
    same category, then the most viewed."""
    query = _visible(select(Article), False, article.visibility == Vis.internal).where(
        Article.locale == article.locale, col(Article.id) != article.id)
    if article.category_id is not None:
        query = query.where(col(Article.category_id) == article.category_id)
    candidates = list(session.exec(query.order_by(col(Article.views).desc()).limit(200)))
    tags = set(article.tags or [])
    candidates.sort(key=lambda a: (-len(tags & set(a.tags or [])), -a.views, a.id or 0))
    return candidates[:limit]


def translations(session: Session, article: Article, include_unpublished: bool = False,
                 include_internal: bool = False) -> list[Article]:
    """The other articles of its translation group (by locale)."""
    if article.translation_group is None:
        return []
    query = _visible(select(Article), include_unpublished, include_internal).where(
        Article.translation_group == article.translation_group, col(Article.id) != article.id)
    return list(session.exec(query.order_by(col(Article.locale))))


def revisions(session: Session, article_id: int) -> list[ArticleRevision]:
    """An article's revisions, newest first."""
    query = select(ArticleRevision).where(ArticleRevision.article_id == article_id)
    return list(session.exec(query.order_by(col(ArticleRevision.id).desc())))


def kb_report(session: Session) -> list[ArticleStats]:
    """Every article that is published or has been counted, most viewed first."""
    counts: dict[tuple[int, str], int] = {}
    grouped = select(DeflectionEvent.article_id, DeflectionEvent.kind, func.count()).group_by(
        col(DeflectionEvent.article_id), col(DeflectionEvent.kind))
    for article_id, kind, count in session.exec(grouped):
        counts[(article_id, kind)] = count
    counted = {article_id for article_id, _kind in counts}
    rows: list[ArticleStats] = []
    for a in session.exec(select(Article).order_by(col(Article.views).desc(), col(Article.id))):
        assert a.id is not None
        if a.status != ArticleStatus.published and not (a.views or a.id in counted):
            continue
        rows.append(ArticleStats(
            article_id=a.id, title=a.title, locale=a.locale, status=a.status, visibility=a.visibility,
            views=a.views, helpful_yes=a.helpful_yes, helpful_no=a.helpful_no,
            suggested=counts.get((a.id, DeflectionKind.suggested), 0),
            opened=counts.get((a.id, DeflectionKind.opened), 0),
            abandoned=counts.get((a.id, DeflectionKind.abandoned), 0),
            submitted=counts.get((a.id, DeflectionKind.submitted), 0)))
    return rows
