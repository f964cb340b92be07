"""The synonym list search uses, as admins edit it."""

from __future__ import annotations

from sqlmodel import Session, select

from desk.models import KbSynonyms
from knowledge_base.synonyms import SHIPPED


def current_synonyms(session: Session) -> str:
    """The saved list, or the one shipped with Desk until an admin saves one."""
    row = session.exec(select(KbSynonyms)).first()
    return row.text if row is not None else SHIPPED.read_text(encoding="utf-8")
