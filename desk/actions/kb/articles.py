"""Knowledge-base writes: articles (with revisions and translations), categories, feedback,
deflection counts and the synonym list.

Every save writes a revision and an audit row and queues the ``kb_index_articles`` job: the
search index is derived from these tables and only that job (or a rebuild) writes it. Nothing
here commits; callers commit with ``desk.db.commit`` so the job reaches the runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.jobs import publish
from desk.events import ArticlesChanged
from desk.i18n import _
from desk.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    DeflectionEvent,
    DeflectionKind,
    KbCategory,
    KbSynonyms,
    Role,
    User,
    Visibility,
)
from desk.models.base import now
from knowledge_base.documents import LOCALES
from knowledge_base.markdown import slugify
from knowledge_base.synonyms import parse_synonyms

MAX_BODY = 200_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_COMMENT = 2_000
MAX_SYNONYMS = 200_000
_AUDITED = ("title", "locale", "category_id", "tags", "status", "visibility", "translation_group")


class KbError(InputError):
    """Knowledge-base input that cannot be saved."""


@dataclass
class ArticleInput:
    """What a writer sets. ``translation_of`` links the article to another's translations
    (on update, None keeps the present link)."""

    title: str
    body_markdown: str
    locale: str = "en"  # en | zh-CN
    category_id: int | None = None
    tags: list[str] = field(default_factory=list)
    status: str = ArticleStatus.draft
    visibility: str = Visibility.public
    translation_of: int | None = None


def can_write(user: User) -> bool:
    """Supervisors and admins write articles; agents only with the ``kb_writer`` right."""
    if not user.is_active:
        return False
    return user.role in (Role.supervisor, Role.admin) or bool(user.kb_writer)


# -- articles ------------------------------------------------------------------------------------

def create_article(session: Session, actor: Actor, author: User, data: ArticleInput) -> Article:
    """Validate and add an article with its first revision (flushed, not committed).
    Raises KbError."""
    _check_writer(author)
    article = save_article(session, actor, author.id, author.name, None, data)
    index_later(session, [article.id])
    return article


def update_article(session: Session, actor: Actor, author: User, article: Article,
                   data: ArticleInput) -> Article:
    """Change an article; a revision is written when its title, text or status changed.
    Raises KbError and leaves the article untouched then."""
    _check_writer(author)
    stamp = article.updated_at
    save_article(session, actor, author.id, author.name, article, data)
    if article.updated_at != stamp:
        index_later(session, [article.id])
    return article


def index_later(session: Session, article_ids: list[int | None]) -> None:
    """Queue the index update for these articles (added, changed or no longer public)."""
    ids = sorted({i for i in article_ids if i is not None})
    if ids:
        publish(session, [ArticlesChanged(ids)])


def save_article(session: Session, actor: Actor, author_id: int | None, author_name: str,
                 article: Article | None, data: ArticleInput, source_key: str | None = None) -> Article:
    """Create (``article`` None) or change an article without queueing the index job: the
    importer queues one job for a whole folder. Returns the article, flushed."""
    values = _validated(session, data)
    group = _translation_group(session, article, data.translation_of, values["locale"])
    if article is None:
        article = Article(source_key=source_key, author_id=author_id, **values)
        before: dict[str, Any] = {}
        content_changed = True
    else:
        before = _snapshot(article)
        content_changed = (article.title, article.body_markdown, article.status) != (
            values["title"], values["body_markdown"], values["status"])
        for key, value in values.items():
            setattr(article, key, value)
    if group is not None:
        article.translation_group = group
    after = _snapshot(article)
    diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if not content_changed and not diff:
        return article
    article.updated_at = now()
    if article.status == ArticleStatus.published and article.published_at is None:
        article.published_at = article.updated_at
    session.add(article)
    session.flush()
    assert article.id is not None
    if content_changed:
        session.add(ArticleRevision(article_id=article.id, title=article.title,
                                    body_markdown=article.body_markdown, status=article.status,
                                    author_id=author_id, author_name=author_name))
    changes: dict[str, Any] = {k: v for k, v in diff.items() if k != "body"}
    if before and "body" in diff:
        changes["body_markdown"] = "changed"  # the revision holds the text; the audit says so
    record(session, actor, "kb_article", article.id, "updated" if before else "created", changes)
    return article


def _check_writer(author: User) -> None:
    if not can_write(author):
        raise KbError("author", _("You may not write knowledge-base articles."))


def _snapshot(article: Article) -> dict[str, Any]:
    values = {k: getattr(article, k) for k in _AUDITED}
    values["tags"] = list(article.tags or [])
    values["body"] = article.body_markdown
    return values


def _validated(session: Session, data: ArticleInput) -> dict[str, Any]:
    title = " ".join(data.title.split())
    if not title:
        raise KbError("title", _("An article needs a title."))
    if len(title) > 300:
        raise KbError("title", _("The title is too long (at most 300 characters)."))
    body = data.body_markdown.replace("\r\n", "\n")
    if not body.strip():
        raise KbError("body_markdown", _("An article needs some text."))
    if len(body) > MAX_BODY:
        raise KbError("body_markdown", _("The text is too long (at most 200,000 characters)."))
    if data.locale not in LOCALES:
        raise KbError("locale", _("The language must be English or Simplified Chinese."))
    if data.status not in {s.value for s in ArticleStatus}:
        raise KbError("status", _("The status must be draft, published or archived."))
    if data.visibility not in {v.value for v in Visibility}:
        raise KbError("visibility", _("The visibility must be public or internal."))
    if data.category_id is not None and session.get(KbCategory, data.category_id) is None:
        raise KbError("category_id", _("There is no such category."))
    return dict(title=title, body_markdown=body, locale=data.locale, category_id=data.category_id,
                tags=_tags(data.tags), status=data.status, visibility=data.visibility,
                slug=slugify(title))


def _tags(tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(str(t).split()) for t in tags if str(t).strip()))
    if len(cleaned) > MAX_TAGS:
        raise KbError("tags", _("An article has at most 20 tags."))
    if any(len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise KbError("tags", _("A tag has at most 50 characters."))
    return cleaned


def _translation_group(session: Session, article: Article | None, translation_of: int | None,
                       locale: str) -> int | None:
    """The group to join, or None to keep the present one. The original joins the group too."""
    if translation_of is None:
        return None
    original = session.get(Article, translation_of)
    if original is None or (article is not None and original.id == article.id):
        raise KbError("translation_of", _("There is no such article to translate."))
    if original.locale == locale:
        raise KbError("translation_of", _("A translation must be in another language."))
    if original.translation_group is None:
        original.translation_group = original.id
        session.add(original)
    return original.translation_group


# -- categories ----------------------------------------------------------------------------------

def create_category(session: Session, actor: Actor, name: str, name_zh: str = "",
                    parent_id: int | None = None) -> KbCategory:
    """Add a category (one level of nesting: a parent has no parent). Raises KbError."""
    name, name_zh = " ".join(name.split()), " ".join(name_zh.split())
    if not name:
        raise KbError("name", _("A category needs a name."))
    if len(name) > 120 or len(name_zh) > 120:
        raise KbError("name", _("The name is too long (at most 120 characters)."))
    slug = slugify(name)
    if session.exec(select(KbCategory).where(KbCategory.slug == slug)).first() is not None:
        raise KbError("name", _("A category with this name exists already."))
    if parent_id is not None:
        parent = session.get(KbCategory, parent_id)
        if parent is None:
            raise KbError("parent_id", _("There is no such category."))
        if parent.parent_id is not None:
            raise KbError("parent_id", _("Categories nest one level deep only."))
    category = KbCategory(name=name, name_zh=name_zh, slug=slug, parent_id=parent_id)
    session.add(category)
    session.flush()
    assert category.id is not None
    record(session, actor, "kb_category", category.id, "created",
           {"name": [None, name], "name_zh": [None, name_zh], "parent_id": [None, parent_id]})
    return category


# -- what readers do -----------------------------------------------------------------------------

def record_feedback(session: Session, article_id: int, helpful: bool, comment: str = "") -> None:
    """A "was this helpful?" answer: a row for the comment, and the article's counters."""
    if session.get(Article, article_id) is None:
        raise KbError("article", _("There is no such article."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise KbError("comment", _("The comment is too long (at most 2,000 characters)."))
    session.add(ArticleFeedback(article_id=article_id, helpful=helpful, comment=comment))
    counter = col(Article.helpful_yes) if helpful else col(Article.helpful_no)
    session.execute(update(Article).where(col(Article.id) == article_id)
                    .values({counter: counter + 1}))


def record_view(session: Session, article_id: int) -> None:
    """Count one view, in the database so every process adds to the same number."""
    session.execute(update(Article).where(col(Article.id) == article_id)
                    .values(views=col(Article.views) + 1))


def record_deflection(session: Session, kind: str, article_ids: list[int], visit: str) -> None:
    """Count suggestions shown, opened, and forms abandoned or submitted after an opened
    article. One form visit counts once per article and kind; unknown articles are ignored."""
    if kind not in {k.value for k in DeflectionKind}:
        raise KbError("kind", _("Unknown deflection event."))
    visit = visit.strip()[:40]
    wanted = set(article_ids)
    if not wanted:
        return
    known = set(session.exec(select(Article.id).where(col(Article.id).in_(wanted))))
    if visit:
        seen = set(session.exec(select(DeflectionEvent.article_id).where(
            col(DeflectionEvent.visit) == visit, col(DeflectionEvent.kind) == kind,
            col(DeflectionEvent.article_id).in_(wanted))))
        known -= seen
    for article_id in sorted(i for i in known if i is not None):
        session.add(DeflectionEvent(article_id=article_id, kind=kind, visit=visit))


# -- synonyms ------------------------------------------------------------------------------------

def save_synonyms(session: Session, actor: Actor, text: str) -> None:
    """Store the admins' synonym list (one group per line, members separated by commas).
    Search processes pick it up within seconds; no reindex is needed. Raises KbError."""
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_SYNONYMS:
        raise KbError("text", _("The list is too long (at most 200,000 characters)."))
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content and not parse_synonyms(content).groups:
            raise KbError("text", _("Line %(line)s names only one word: a group needs two or more."),
                          line=str(number))
    row = session.exec(select(KbSynonyms)).first()
    before = row.text if row is not None else None
    if row is None:
        row = KbSynonyms()
    row.text, row.updated_at, row.updated_by = text, now(), actor.name
    session.add(row)
    session.flush()
    assert row.id is not None
    groups = len(parse_synonyms(text).groups)
    record(session, actor, "kb_synonyms", row.id, "updated",
           {"groups": [len(parse_synonyms(before).groups) if before is not None else None, groups]})
