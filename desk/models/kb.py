"""The knowledge base: articles (with revisions and translations), categories, feedback,
the deflection counters and the admin-edited synonym list. The search index
(`knowledge_base.index.KbIndex`) is derived from these tables and can always be rebuilt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class ArticleStatus(StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class Visibility(StrEnum):
    public = "public"
    internal = "internal"  # agents only


class KbCategory(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # One level of nesting: a category's parent has no parent.
    parent_id: int | None = Field(default=None, foreign_key="kbcategory.id")
    slug: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=120)
    name_zh: str = Field(default="", max_length=120)
    position: int = 0


class Article(SQLModel, table=True):
    __table_args__ = (
        Index("ix_article_locale_status", "locale", "status"),
        Index("ix_article_category", "category_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, index=True)  # friendly URL part; Chinese kept
    title: str = Field(max_length=300)
    body_markdown: str = Field(default="", sa_type=Text)
    locale: str = Field(default="en", max_length=10)  # en | zh-CN
    category_id: int | None = Field(default=None, foreign_key="kbcategory.id")
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=ArticleStatus.draft, max_length=12)
    visibility: str = Field(default=Visibility.public, max_length=10)
    # Articles that are translations of one another share a group (the first one's id).
    translation_group: int | None = Field(default=None, index=True)
    # Identity of an imported file (its path in the imported folder): re-import updates.
    source_key: str | None = Field(default=None, max_length=500, unique=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    views: int = 0
    helpful_yes: int = 0
    helpful_no: int = 0
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    published_at: datetime | None = None


class ArticleRevision(SQLModel, table=True):
    __table_args__ = (Index("ix_articlerevision_article", "article_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id")
    title: str = Field(max_length=300)
    body_markdown: str = Field(default="", sa_type=Text)
    status: str = Field(max_length=12)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=now)


class ArticleFeedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    helpful: bool
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=now)


class DeflectionKind(StrEnum):
    suggested = "suggested"  # an article was shown beside the web form
    opened = "opened"  # the customer opened a suggested article
    abandoned = "abandoned"  # ... and left the form without submitting it
    submitted = "submitted"  # ... and submitted the form anyway


class DeflectionEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_deflection_article_kind", "article_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id")
    kind: str = Field(max_length=12)
    # A random id per form visit, so one visit counts once.
    visit: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=now)


class KbSynonyms(SQLModel, table=True):
    """The synonym list admins edit (one group per line, comma-separated); one row."""

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(default="", sa_type=Text)
    updated_at: datetime = Field(default_factory=now)
    updated_by: str = Field(default="", max_length=200)
