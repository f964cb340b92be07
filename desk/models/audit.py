"""The audit trail: who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from desk.models.base import now


class AuditEntry(SQLModel, table=True):
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now)
    actor_type: str = Field(max_length=20)  # user, customer, system, api
    actor_id: int | None = None
    actor_name: str = Field(default="", max_length=200)
    entity: str = Field(max_length=30)
    entity_id: int
    action: str = Field(max_length=50)
    # {"field": [before, after]}; JSON-only values.
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The client's network address for web and API actions (behind a proxy only when
    # `desk serve --forwarded-allow-ips` names it); empty for the system and the CLI.
    address: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
