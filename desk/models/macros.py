"""Macros (canned replies with optional actions) and bulk runs over many tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class Macro(SQLModel, table=True):
    """A canned reply. Personal when ``owner_id`` is set; otherwise shared with ``team_id``'s
    members, or with everyone when that is empty too. The text is written in English and/or
    Chinese; applying it picks the customer's language, else the other one."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    text_en: str = Field(default="", sa_type=Text)
    text_zh: str = Field(default="", sa_type=Text)
    # Optional actions: a status to set ("" none), tags to add (space-separated), and the
    # assignee: "" unchanged, "me" whoever applies it, "none" nobody, or a user id.
    set_status: str = Field(default="", max_length=20)
    add_tags: str = Field(default="", max_length=500)
    assignee: str = Field(default="", max_length=20)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class BulkRun(SQLModel, table=True):
    """One bulk action: the tickets chosen when it was asked for, the change, and how far the
    `run_bulk_action` job got (each ticket changed or reported in ``failures``)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # {"status": ..., "priority": ..., "team_id": ..., "assignee_id": ..., "add_tags": [...],
    #  "remove_tags": [...], "macro_id": ...}: only what the agent chose.
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    ticket_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    total: int = 0  # tickets taken: at most MAX_TICKETS of desk.actions.tickets.bulk
    matched: int = 0  # tickets chosen or matching the filter; more than total when cut
    done: int = 0  # tickets looked at so far, in ticket_ids' order
    changed: int = 0
    # [{"ticket_id": n, "reason": "forbidden" | "not_found" | "merged" | "error", ...}]: with
    # "message" and "params" (a msgid) for a refused merge or status, "detail" for an error
    failures: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None
