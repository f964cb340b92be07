"""When and how much an agent takes work: their working hours, capacity and skills, and who
covers for them while they are away."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from desk.models.base import now


class StaffDuty(SQLModel, table=True):
    """One row per staff member who set any of it; none means: no hours (always on duty),
    no limit, no skills."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    # The most open tickets automatic assignment gives them (None: no limit).
    capacity: int | None = None
    # Lower-case tags such as a language or a product, comma-separated: "zh,refunds".
    skills: str = Field(default="", max_length=500)
    # IANA zone of the hours ("" : the desk's zone, UTC).
    time_zone: str = Field(default="", max_length=64)
    # Monday to Sunday, comma-separated, each "HH:MM-HH:MM" or "" (a day off); "" for all:
    # no working hours, so always on duty.
    working_hours: str = Field(default="", max_length=200)


class Cover(SQLModel, table=True):
    """While `user_id` is away from `starts_at` until `ends_at`, `delegate_id` takes the new
    work meant for them and sees their open tickets. Ended early by setting `ends_at`."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    delegate_id: int = Field(foreign_key="user.id", index=True)
    starts_at: datetime
    ends_at: datetime
    created_at: datetime = Field(default_factory=now)
