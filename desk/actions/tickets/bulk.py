"""Bulk actions: one change (status, priority, team, assignee, tags, a macro, or a merge
into one ticket) over many tickets. `start_bulk` records the run and queues the
`run_bulk_action` job; `run_bulk_chunk` works through the next tickets, each in a savepoint
of its own through `update_ticket` (and `add_agent_reply` for a macro's reply, `merge_into`
for a merge), so every ticket's history is written exactly as by a single edit and one
ticket's failure, whatever it is, is reported without undoing the others. The permission and
the status rules (`status_rules`) are checked per ticket when it is changed: one the agent
may not see, or may not move to that status, is reported, not changed."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from desk.actions.audit import Actor
from desk.actions.jobs import enqueue
from desk.actions.tickets.changes import add_agent_reply
from desk.actions.tickets.checks import check_ticket_changes, parse_tags
from desk.actions.tickets.macro_use import apply_macro_actions
from desk.actions.tickets.merging import MergeError, merge_into
from desk.actions.tickets.status_rules import MoveRefused, check_status_move
from desk.db import commit
from desk.models import BulkRun, Macro, Ticket, User
from desk.models.base import now
from desk.queries.errors import Forbidden, NotFound
from desk.queries.macros import (
    MacroActions,
    access_macro,
    fill_context,
    filled_text,
    macro_actions,
)
from desk.queries.tickets.queue import can_see
from desk.settings import Settings

CHUNK = 500  # tickets per transaction: progress shows after each
MAX_TICKETS = 50_000  # one run; the job takes about a minute for this many

log = logging.getLogger(__name__)


def check_bulk_changes(session: Session, user: User,
                       raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The change to make from the bulk form (``set_status``, ``set_priority``, ``set_team``,
    ``set_assignee`` — "" unchanged, "none" nobody —, ``add_tags``, ``remove_tags``,
    ``macro``, or alone ``merge_into``: a ticket number), and the errors by field (codes
    of desk.web.labels.FIELD_ERROR)."""
    picked = {name: raw.get(key, "").strip() for key, name in (
        ("set_status", "status"), ("set_priority", "priority"), ("set_team", "team_id"),
        ("set_assignee", "assignee_id"))}
    picked = {name: value for name, value in picked.items() if value}
    checked = check_ticket_changes(session, picked)
    errors = {f"set_{k.removesuffix('_id')}": v for k, v in checked.errors.items()}
    changes: dict[str, Any] = dict(checked.fields)
    for key in ("add_tags", "remove_tags"):
        if raw.get(key, "").strip():
            tags = parse_tags(raw[key])
            if tags is None:
                errors[key] = "invalid_tags"
            else:
                changes[key] = tags
    macro = raw.get("macro", "").strip()
    if macro:
        try:
            changes["macro_id"] = access_macro(session, user, int(macro)).id
        except (ValueError, NotFound, Forbidden, OverflowError):
            errors["macro"] = "not_found"
    into = raw.get("merge_into", "").strip().lstrip("#")
    if into:
        target = session.get(Ticket, int(into)) if into.isascii() and into.isdigit() \
            and 0 < int(into) < 2**31 else None
        if target is None or not can_see(session, user, target):
            errors["merge_into"] = "not_found"
        elif changes:
            errors["merge_into"] = "merge_alone"
        else:
            changes["merge_into"] = target.id
    if not changes and not errors:
        errors["action"] = "required"
    return changes, errors


def start_bulk(session: Session, actor: Actor, user: User, changes: dict[str, Any],
               ticket_ids: list[int], matched: int = 0) -> BulkRun:
    """Record a run over ``ticket_ids`` (at most MAX_TICKETS, first ones kept) and queue its
    job; commits. ``changes`` come from `check_bulk_changes`. ``matched``: how many tickets
    the filter matched when ``ticket_ids`` are its first ones (`filter_ticket_ids`); the run
    records it, so its page says when it took only part of them."""
    assert user.id is not None
    unique = list(dict.fromkeys(ticket_ids))
    ids = unique[:MAX_TICKETS]
    run = BulkRun(user_id=user.id, changes=changes, ticket_ids=ids, total=len(ids),
                  matched=max(matched, len(unique)))
    session.add(run)
    session.flush()
    assert run.id is not None
    enqueue(session, "run_bulk_action", bulk_id=run.id)
    commit(session)
    return run


def _one(session: Session, settings: Settings, actor: Actor, user: User, ticket: Ticket,
         changes: dict[str, Any], macro: Macro | None) -> bool:
    """One ticket's change in the caller's savepoint; True when anything changed."""
    if "merge_into" in changes:
        target = session.get(Ticket, changes["merge_into"])
        if target is None:
            raise MergeError("merge_into", "This ticket no longer exists.")
        if target.id == ticket.id:  # the ticket the others go into: nothing to do
            return False
        merge_into(session, actor, ticket, target)
        return True
    fields = {k: v for k, v in changes.items() if k in ("status", "priority", "team_id",
                                                          "assignee_id")}
    actions = MacroActions({}, tuple(changes.get("add_tags", ())))
    if macro is not None:
        from_macro = macro_actions(macro, user)
        actions = MacroActions(from_macro.fields, from_macro.add_tags + actions.add_tags)
    # Refused before the macro's reply goes out: the same rule as the page and the board.
    check_status_move(user, ticket, {**actions.fields, **fields}, actions.add_tags)
    replied = False
    if macro is not None:
        text = filled_text(session, macro, fill_context(session, ticket, user, settings.base_url))
        if text.strip():
            add_agent_reply(session, settings, actor, user, ticket, text, internal=False)
            replied = True
    events = apply_macro_actions(session, actor, ticket, actions, fields=fields,
                                 remove_tags=tuple(changes.get("remove_tags", ())))
    return bool(events) or replied


def run_bulk_chunk(session: Session, settings: Settings, bulk_id: int,
                   size: int | None = None) -> bool:
    """Work through the run's next ``size`` (CHUNK) tickets and commit; True once it has
    finished. Picks up where it left off, so a retried job does not change a ticket twice."""
    size = size or CHUNK
    run = session.get(BulkRun, bulk_id)
    if run is None or run.finished_at is not None:
        return True
    user = session.get(User, run.user_id)
    assert user is not None
    actor = Actor.of_user(user)
    macro = session.get(Macro, run.changes["macro_id"]) if "macro_id" in run.changes else None
    ids = run.ticket_ids[run.done:run.done + size]
    tickets = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}
    failures = list(run.failures)
    changed = 0
    for ticket_id in ids:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            failures.append({"ticket_id": ticket_id, "reason": "not_found"})
            continue
        if not user.is_active or not can_see(session, user, ticket):
            failures.append({"ticket_id": ticket_id, "reason": "forbidden"})
            continue
        if macro is not None and ticket.merged_into_id is not None:
            # Its conversation goes on in the other ticket: no reply here, as on its page.
            failures.append({"ticket_id": ticket_id, "reason": "merged"})
            continue
        try:
            with session.begin_nested():
                changed += _one(session, settings, actor, user, ticket, run.changes, macro)
        except (MergeError, MoveRefused) as exc:
            failures.append({"ticket_id": ticket_id,
                             "reason": "merge" if isinstance(exc, MergeError) else "status",
                             "message": exc.message, "params": exc.params})
        except SQLAlchemyError as exc:
            failures.append({"ticket_id": ticket_id, "reason": "error",
                             "detail": str(getattr(exc, "orig", None) or exc)[:200]})
        except Exception as exc:  # noqa: BLE001 - one ticket's failure never undoes the chunk
            log.exception("bulk run %s: ticket %s", bulk_id, ticket_id)
            failures.append({"ticket_id": ticket_id, "reason": "error",
                             "detail": f"{type(exc).__name__}: {exc}"[:200]})
    run.done += len(ids)
    run.changed += changed
    run.failures = failures
    if run.done >= run.total:
        run.finished_at = now()
    session.add(run)
    commit(session)
    return run.finished_at is not None
