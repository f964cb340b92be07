"""Merging two customer records into one, and undoing it.

What a merge does to the survivor:
- every identity, ticket, note and message the other record authored moves to it;
- tags are unioned; custom field values it lacks (missing or empty) are taken from the other;
- the organisation and the owner are taken from the other when it has none;
- the better tier is kept (vip > standard > prospect).
The other record keeps its name, fields and tags but is hidden: ``merged_into_id`` points at
the survivor, its primary email becomes ``merged-{id}@merged.invalid`` (so the unique index
never blocks a live customer) and it has no search keys.

``CustomerMerge.moved`` holds what undo needs; undo moves back exactly those rows (tickets and
identities the survivor got after the merge stay) and restores the survivor's values only
where nobody changed them since. Rows move with Core UPDATE ... RETURNING and audit rows are
bulk inserts: a merge of thousands of tickets is a handful of statements. Nothing commits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from desk.actions.audit import Actor, audit_row, record
from desk.actions.customers.records import CustomerError, refresh_search_keys
from desk.actions.inserts import insert_many
from desk.i18n import _
from desk.models import Customer, CustomerMerge, CustomerNote, IdentityKind, Tier
from desk.models.base import now
from desk.models.tables import AUDIT, CUSTOMER_TAGS, CUSTOMERS, IDENTITIES, MESSAGES, TICKETS

NOTES: Table = CustomerNote.__table__  # type: ignore[attr-defined]
MERGES: Table = CustomerMerge.__table__  # type: ignore[attr-defined]
# Lower is better.
TIER_RANK = {Tier.vip.value: 0, Tier.standard.value: 1, Tier.prospect.value: 2}
# Survivor attributes a merge may fill in, restored by undo.
TAKEN_ATTRIBUTES = ("organization_id", "owner_id", "tier")
# Ids per IN list: well under SQLite's bound-parameter limit.
CHUNK = 5_000


def placeholder_email(customer_id: int) -> str:
    return f"merged-{customer_id}@merged.invalid"


def merge_customers(session: Session, actor: Actor, survivor: Customer, other: Customer) -> CustomerMerge:
    """Move ``other`` into ``survivor`` (see the module docstring); returns the merge (flushed).
    Raises CustomerError (field ``other_id``) and changes nothing then."""
    _check_mergeable(survivor, other)
    assert survivor.id is not None and other.id is not None
    s_id, o_id = survivor.id, other.id
    _claim_live(session, [s_id, o_id])
    moved: dict[str, Any] = {
        "tickets": _move(session, TICKETS, TICKETS.c.customer_id, o_id, s_id),
        "messages": _move(session, MESSAGES, MESSAGES.c.author_customer_id, o_id, s_id),
        "identities": _move(session, IDENTITIES, IDENTITIES.c.customer_id, o_id, s_id),
        "notes": _move(session, NOTES, NOTES.c.customer_id, o_id, s_id),
        "tags": _add_tags(session, s_id, o_id),
        "email": other.email,
    }
    moved["fields"] = {k: v for k, v in other.fields.items()
                       if v not in (None, "") and survivor.fields.get(k) in (None, "")}
    moved["survivor_before"] = _take_attributes(survivor, other)
    stamp = now()
    if moved["fields"]:
        survivor.fields = {**survivor.fields, **moved["fields"]}
    survivor.updated_at = stamp
    other.merged_into_id = s_id
    other.email = placeholder_email(o_id)
    other.updated_at = stamp
    merge = CustomerMerge(survivor_id=s_id, merged_id=o_id, actor_id=_user_id(actor),
                          actor_name=actor.name[:200], moved=moved)
    session.add_all([survivor, other, merge])
    session.flush()
    refresh_search_keys(session, [s_id, o_id])
    counts = _counts(moved)
    record(session, actor, "customer", s_id, "merged",
           {"merge_id": [None, merge.id], "merged_id": [None, o_id], **counts})
    record(session, actor, "customer", o_id, "merged_into",
           {"merge_id": [None, merge.id], "merged_into_id": [None, s_id], **counts})
    _audit_tickets(session, actor, moved["tickets"], o_id, s_id)
    return merge


def undo_merge(session: Session, actor: Actor, merge: CustomerMerge) -> None:
    """Put back what ``merge`` moved and bring the merged record back.
    Raises CustomerError (field ``merge``) and changes nothing then."""
    survivor = session.get(Customer, merge.survivor_id)
    other = session.get(Customer, merge.merged_id)
    _check_undoable(merge, survivor, other)
    assert survivor is not None and other is not None
    _claim_undo(session, merge)
    s_id, o_id, moved = merge.survivor_id, merge.merged_id, merge.moved
    tickets = _move_back(session, TICKETS, TICKETS.c.customer_id, moved["tickets"], s_id, o_id)
    _move_back(session, MESSAGES, MESSAGES.c.author_customer_id, moved["messages"], s_id, o_id)
    _move_back(session, IDENTITIES, IDENTITIES.c.customer_id, moved["identities"], s_id, o_id)
    _move_back(session, NOTES, NOTES.c.customer_id, moved["notes"], s_id, o_id)
    if moved["tags"]:
        session.connection().execute(delete(CUSTOMER_TAGS).where(
            CUSTOMER_TAGS.c.customer_id == s_id, CUSTOMER_TAGS.c.tag.in_(moved["tags"])))
    _restore_survivor(survivor, moved)
    stamp = now()
    other.merged_into_id = None
    other.updated_at = survivor.updated_at = merge.undone_at = stamp
    # The primary email must stay one of each record's own addresses.
    survivor.email = _primary(session, s_id, survivor.email, survivor.email)
    session.add(survivor)
    session.flush()
    other.email = _primary(session, o_id, moved["email"], placeholder_email(o_id))
    session.add_all([other, merge])
    session.flush()
    refresh_search_keys(session, [s_id, o_id])
    for customer_id in (s_id, o_id):
        record(session, actor, "customer", customer_id, "merge_undone",
               {"merge_id": [merge.id, None], "merged_into_id": [s_id, None], **_counts(moved)})
    _audit_tickets(session, actor, tickets, s_id, o_id)


# -- checks ----------------------------------------------------------------------------------------

def _check_mergeable(survivor: Customer, other: Customer) -> None:
    if survivor.id == other.id:
        raise CustomerError("other_id", _("A record cannot be merged into itself."))
    if survivor.merged_into_id is not None or other.merged_into_id is not None:
        raise CustomerError("other_id", _("This record was already merged into another one."))
    if survivor.anonymised_at is not None or other.anonymised_at is not None:
        # Its tickets were stripped of personal data on request: they must not join a live record.
        raise CustomerError("other_id", _("An anonymised record cannot be merged."))


def _check_undoable(merge: CustomerMerge, survivor: Customer | None, other: Customer | None) -> None:
    if merge.undone_at is not None:
        raise CustomerError("merge", _("This merge was already undone."))
    if survivor is None or other is None or other.merged_into_id != merge.survivor_id:
        raise CustomerError("merge", _("This merge can no longer be undone."))
    if survivor.merged_into_id is not None:
        raise CustomerError("merge", _("The surviving record was merged since: undo that merge first."))


def _claim_live(session: Session, ids: list[int]) -> None:
    """Lock both records while they are still live: of two merges of the same record at once,
    the second waits for the first and then finds it merged (nothing done twice)."""
    claimed = session.connection().execute(update(CUSTOMERS).where(
        CUSTOMERS.c.id.in_(ids), CUSTOMERS.c.merged_into_id.is_(None)).values(updated_at=now()))
    if claimed.rowcount != len(ids):
        raise CustomerError("other_id", _("This record was already merged into another one."))


def _claim_undo(session: Session, merge: CustomerMerge) -> None:
    """The same for undo: a double click undoes once."""
    claimed = session.connection().execute(update(MERGES).where(
        MERGES.c.id == merge.id, MERGES.c.undone_at.is_(None)).values(undone_at=now()))
    if claimed.rowcount != 1:
        raise CustomerError("merge", _("This merge was already undone."))


# -- moving rows -------------------------------------------------------------------------------------

def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _move(session: Session, table: Table, column: Any, old: int, new: int) -> list[int]:
    """Point every row of ``table`` whose ``column`` is ``old`` at ``new``; their ids."""
    statement = update(table).where(column == old).values({column.name: new}).returning(table.c.id)
    return sorted(session.connection().execute(statement).scalars())


def _move_back(session: Session, table: Table, column: Any, ids: Sequence[int], new: int,
               old: int) -> list[int]:
    """Rows ``ids`` that still point at ``new`` point at ``old`` again; the ids moved."""
    back: list[int] = []
    for chunk in _chunks(ids):
        back += session.connection().execute(update(table).where(
            table.c.id.in_(chunk), column == new).values({column.name: old})
            .returning(table.c.id)).scalars()
    return sorted(back)


def _add_tags(session: Session, survivor_id: int, other_id: int) -> list[str]:
    """Give the survivor the other's tags it lacks; the tags added."""
    connection = session.connection()
    have = set(connection.execute(core_select(CUSTOMER_TAGS.c.tag).where(
        CUSTOMER_TAGS.c.customer_id == survivor_id)).scalars())
    added = sorted(set(connection.execute(core_select(CUSTOMER_TAGS.c.tag).where(
        CUSTOMER_TAGS.c.customer_id == other_id)).scalars()) - have)
    insert_many(session, CUSTOMER_TAGS, [dict(customer_id=survivor_id, tag=t) for t in added])
    return added


def _take_attributes(survivor: Customer, other: Customer) -> dict[str, Any]:
    """Fill the survivor's organisation and owner when missing and keep the better tier;
    returns the values it had before, by name."""
    before: dict[str, Any] = {}
    for name in ("organization_id", "owner_id"):
        if getattr(survivor, name) is None and getattr(other, name) is not None:
            before[name] = None
            setattr(survivor, name, getattr(other, name))
    if TIER_RANK.get(other.tier, 9) < TIER_RANK.get(survivor.tier, 9):
        before["tier"] = survivor.tier
        survivor.tier = other.tier
    return {"values": before, "taken": {name: getattr(survivor, name) for name in before}}


def _restore_survivor(survivor: Customer, moved: dict[str, Any]) -> None:
    """Put back the survivor's values the merge changed, unless someone changed them since."""
    taken = moved["survivor_before"]["taken"]
    for name, value in moved["survivor_before"]["values"].items():
        if getattr(survivor, name) == taken[name]:
            setattr(survivor, name, value)
    fields = dict(survivor.fields)
    for key, value in moved["fields"].items():
        if fields.get(key) == value:
            del fields[key]
    survivor.fields = fields


def _primary(session: Session, customer_id: int, wanted: str, fallback: str) -> str:
    """``wanted`` when it is one of the record's email addresses, else its first one."""
    emails = list(session.connection().execute(core_select(IDENTITIES.c.value).where(
        IDENTITIES.c.customer_id == customer_id, IDENTITIES.c.kind == IdentityKind.email)
        .order_by(IDENTITIES.c.id)).scalars())
    if wanted in emails:
        return wanted
    return emails[0] if emails else fallback


def _user_id(actor: Actor) -> int | None:
    return actor.id if actor.type in ("user", "api") else None


def _counts(moved: dict[str, Any]) -> dict[str, list[int]]:
    return {name: [0, len(moved[name])] for name in ("tickets", "messages", "identities", "notes")}


def _audit_tickets(session: Session, actor: Actor, ticket_ids: Sequence[int], old: int,
                   new: int) -> None:
    """One row per moved ticket, in one statement."""
    insert_many(session, AUDIT, [
        audit_row(actor, "ticket", ticket_id, "customer_changed", {"customer_id": [old, new]})
        for ticket_id in ticket_ids])
