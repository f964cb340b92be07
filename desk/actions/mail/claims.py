"""Claiming stored raw mail for an ingest: several processes may reach the same rows
(a fetch pass finishing what an interrupted one stored, `desk smtpd`'s ingester, a sweep),
and each row must be ingested by exactly one of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from desk.actions.tables import RAW
from desk.models import RawStatus


def claim_stored(session: Session, ids: Sequence[int]) -> list[int]:
    """Those of `ids` still waiting to be ingested, oldest first, locked (on PostgreSQL;
    rows another transaction holds are skipped) in the caller's transaction, which the
    ingest commits: the locks last until then."""
    if not ids:
        return []
    return list(session.connection().execute(
        select(RAW.c.id).where(RAW.c.id.in_(list(ids)), RAW.c.status == RawStatus.stored)
        .order_by(RAW.c.id).with_for_update(skip_locked=True)).scalars())
