"""The writers' use cases: an article added or changed, a category added, the synonym list
saved; each validated, written and committed once (nothing written when it raises KbError).
The pieces they compose run in the caller's transaction (see ``articles``)."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.kb.articles import (
    ArticleInput,
    create_article,
    create_category,
    save_synonyms,
    update_article,
)
from desk.db import committed
from desk.models import Article, KbCategory, User


def save_new_article(session: Session, actor: Actor, author: User, data: ArticleInput) -> Article:
    """A new article with its first revision, committed. Raises KbError."""
    with committed(session):
        article = create_article(session, actor, author, data)
    return article


def save_article_changes(session: Session, actor: Actor, author: User, article: Article,
                         data: ArticleInput) -> Article:
    """An article changed (a revision when its title, text or status did), committed.
    Raises KbError."""
    with committed(session):
        update_article(session, actor, author, article, data)
    return article


def save_new_category(session: Session, actor: Actor, name: str, name_zh: str = "",
                      parent_id: int | None = None) -> KbCategory:
    """A new category, committed. Raises KbError."""
    with committed(session):
        category = create_category(session, actor, name, name_zh, parent_id)
    return category


def save_synonym_list(session: Session, actor: Actor, text: str) -> None:
    """The admins' synonym list, committed. Raises KbError."""
    with committed(session):
        save_synonyms(session, actor, text)
