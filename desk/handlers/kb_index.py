"""The knowledge-base search index follows the articles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import ArticlesChanged, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(ArticlesChanged)
def kb_index_articles(ctx: JobContext, event: ArticlesChanged) -> None:
    """Bring these articles' search entries up to date (the index's one writer). Another writer
    holding the lock past 30 s raises WriterBusy, which the runner retries with its backoff."""
    # Whoosh and jieba load when the job runs, not in every process that records events.
    from desk import kb_index

    kb_index.index_articles(ctx.db, ctx.db.settings, event.article_ids)
