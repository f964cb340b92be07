"""Knowledge-base data for the portal, writers' pages and API tests, made by the real actions:
the shipped demo folder imported, or one article written, then the index job's work done."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.kb.articles import ArticleInput, create_article
from desk.actions.kb.imports import import_folder
from desk.db import Database, commit
from desk.kb_index import reindex
from desk.models import Article, User
from desk.settings import Settings

DEMO = Path(__file__).resolve().parents[3] / "knowledge_base" / "demo"


def import_demo(db: Database, settings: Settings) -> dict[str, Article]:
    """The 70 demo articles, indexed; returned by title."""
    with db.session() as s:
        report = import_folder(s, settings, SYSTEM, DEMO)
        commit(s)
        assert not report.problems, report.problems
        articles = {a.title: a for a in s.exec(select(Article))}
    reindex(db, settings)
    return articles


def write_article(db: Database, settings: Settings, author: User, title: str,
                  body: str = "Some text.", **fields: object) -> Article:
    """An article written by ``author`` (published unless told), then indexed."""
    data = ArticleInput(title=title, body_markdown=body, **{"status": "published", **fields})  # type: ignore[arg-type]
    with db.session() as s:
        writer = s.get(User, author.id)
        assert writer is not None
        article = create_article(s, Actor.of_user(writer), writer, data)
        commit(s)
        s.refresh(article)
    reindex(db, settings)
    return article
