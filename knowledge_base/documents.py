"""The plain record the search core indexes: one knowledge-base article, free of any database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Locale = Literal["en", "zh-CN"]
Status = Literal["draft", "published", "archived"]
Visibility = Literal["public", "internal"]

LOCALES: tuple[Locale, ...] = ("en", "zh-CN")
STATUSES: tuple[Status, ...] = ("draft", "published", "archived")
VISIBILITIES: tuple[Visibility, ...] = ("public", "internal")


@dataclass(frozen=True)
class ArticleDoc:
    """An article as the index sees it. Only ``published`` articles are ever searchable."""

    id: int
    title: str
    body_markdown: str
    locale: Locale
    category: str
    slug: str
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    status: Status = "published"
    visibility: Visibility = "public"

    @property
    def searchable(self) -> bool:
        return self.status == "published"
