"""The knowledge-base search index follows the articles."""

from __future__ import annotations

from desk import kb_index
from desk.events import ArticlesChanged, handles
from desk.jobs.context import JobContext


@handles(ArticlesChanged)
def kb_index_articles(ctx: JobContext, event: ArticlesChanged) -> None:
    """Bring these articles' search entries up to date (the index's one writer). Another writer
    holding the lock past 30 s raises WriterBusy, which the runner retries with its backoff."""
    kb_index.index_articles(ctx.db, ctx.db.settings, event.article_ids)
