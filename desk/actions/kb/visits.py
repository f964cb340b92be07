"""What visitors of the help portal and the request form leave behind: views, "was this
helpful?" answers and deflection counts, each committed on its own."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.kb.articles import record_deflection, record_feedback, record_view
from desk.db import commit
from desk.queries.kb.articles import published_by_id


def count_view(session: Session, article_id: int) -> None:
    record_view(session, article_id)
    commit(session)


def save_feedback(session: Session, article_id: int, helpful: bool, comment: str = "") -> None:
    """Raises KbError for an unknown article or a comment too long."""
    record_feedback(session, article_id, helpful, comment)
    commit(session)


def count_deflection(session: Session, kind: str, article_ids: list[int], visit: str) -> None:
    """Suggestions shown, opened, or forms abandoned or submitted after them; articles no
    longer published and public are left out (the index may lag a save)."""
    known = list(published_by_id(session, article_ids, include_internal=False))
    if known:
        record_deflection(session, kind, known, visit)
        commit(session)
