"""Raw mail around the intake (`desk.actions.mail.stored`): storing what a mail server
pushed, and claiming stored mail for an ingest."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from desk.actions.mail.stored import store_raw
from desk.db import commit
from desk.models import RawStatus
from desk.models.tables import RAW


def store_pushed(session: Session, mails: Sequence[tuple[str, bytes]]) -> list[int]:
    """Store (mailbox name, raw bytes) pairs as they arrived, one insert per mailbox, and
    commit them together: a pushed mail is safe once this returns. Their ids, in order."""
    by_mailbox: dict[str, list[int]] = {}
    for index, (mailbox, _raw) in enumerate(mails):
        by_mailbox.setdefault(mailbox, []).append(index)
    ids = [0] * len(mails)
    for mailbox, indexes in by_mailbox.items():
        stored = store_raw(session, mailbox, [mails[i][1] for i in indexes])
        for index, raw_id in zip(indexes, stored, strict=True):
            ids[index] = raw_id
    commit(session)
    return ids


def claim_stored(session: Session, ids: Sequence[int]) -> list[int]:
    """Those of `ids` still waiting to be ingested, oldest first, locked (on PostgreSQL;
    rows another transaction holds are skipped) in the caller's transaction, which the
    ingest commits: the locks last until then. Several may reach the same rows (a fetch
    pass finishing what an interrupted one stored, `desk smtpd`'s ingester, a sweep);
    each row is ingested by exactly one."""
    if not ids:
        return []
    return list(session.connection().execute(
        select(RAW.c.id).where(RAW.c.id.in_(list(ids)), RAW.c.status == RawStatus.stored)
        .order_by(RAW.c.id).with_for_update(skip_locked=True)).scalars())
