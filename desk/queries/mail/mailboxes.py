"""Reads about mailboxes: by name, all of them, those that fetch or receive mail, and the
accounting of the mail they took in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import Mailbox, RawMessage, RawStatus


def get_mailbox(session: Session, name: str) -> Mailbox | None:
    return session.exec(select(Mailbox).where(Mailbox.name == name)).first()


def list_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.exec(select(Mailbox).order_by(col(Mailbox.name))))


def mailbox_languages(session: Session, names: set[str]) -> dict[str, str]:
    """The language of each mailbox named that has one set (mail is filed by mailbox name)."""
    if not names:
        return {}
    return dict(session.exec(select(Mailbox.name, Mailbox.language).where(
        col(Mailbox.name).in_(sorted(names)), col(Mailbox.language) != "")).all())


def imap_mailboxes(session: Session, name: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of every enabled mailbox with an IMAP server, by name, or of the one
    named (enabled or not)."""
    query = select(Mailbox.id, Mailbox.name).where(col(Mailbox.imap_host) != "")
    query = query.where(Mailbox.name == name) if name else query.where(
        col(Mailbox.enabled).is_(True))
    return [(i, n) for i, n in session.exec(query.order_by(col(Mailbox.name))) if i is not None]


def polled_mailboxes(session: Session) -> list[Mailbox]:
    """The enabled mailboxes with an IMAP server: those the poller watches."""
    return list(session.exec(select(Mailbox).where(
        col(Mailbox.enabled).is_(True), col(Mailbox.imap_host) != "")))


def receiving_addresses(session: Session) -> dict[str, str]:
    """Mailbox name by address (lower case) of every enabled mailbox: where pushed mail goes."""
    rows = session.exec(select(Mailbox.address, Mailbox.name).where(
        col(Mailbox.enabled).is_(True))).all()
    return {address.lower(): name for address, name in rows}


@dataclass(frozen=True)
class Accounting:
    """Raw messages of one mailbox by what became of them. Every fetched message ends in
    exactly one outcome or is still waiting; `balanced` is False when that does not hold,
    which means mail went missing between fetch and ingest."""

    fetched: int = 0
    ingested: int = 0
    duplicates: int = 0
    autoreplies: int = 0
    bounces: int = 0
    quarantined: int = 0
    discarded: int = 0
    waiting: int = 0  # stored, not yet ingested

    @property
    def accounted(self) -> int:
        return (self.ingested + self.duplicates + self.autoreplies + self.bounces
                + self.quarantined + self.discarded + self.waiting)

    @property
    def balanced(self) -> bool:
        return self.fetched == self.accounted


_FIELD_OF: dict[str, str] = {
    RawStatus.ingested: "ingested", RawStatus.duplicate: "duplicates",
    RawStatus.autoreply: "autoreplies", RawStatus.bounce: "bounces",
    RawStatus.quarantined: "quarantined", RawStatus.discarded: "discarded",
    RawStatus.stored: "waiting",
}


def mailbox_accounting(session: Session) -> dict[str, Accounting]:
    """Per mailbox name (as raw mail is filed): one grouped count over the
    (mailbox, status) index. A status this code does not know counts as fetched only,
    so the books show it as unbalanced rather than hiding it."""
    rows = session.exec(select(RawMessage.mailbox, RawMessage.status, func.count())
                        .group_by(RawMessage.mailbox, RawMessage.status)).all()
    counts: dict[str, dict[str, int]] = {}
    for mailbox, status, count in rows:
        tally = counts.setdefault(mailbox, {"fetched": 0})
        tally["fetched"] += count
        field = _FIELD_OF.get(status)
        if field is not None:
            tally[field] = tally.get(field, 0) + count
    return {name: Accounting(**tally) for name, tally in counts.items()}
