"""Customers and their organisations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from desk.models.base import now


class Tier(StrEnum):
    vip = "vip"
    standard = "standard"
    prospect = "prospect"


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    domain: str | None = Field(default=None, max_length=253, index=True)
    tier: str = Field(default=Tier.standard, max_length=20)
    created_at: datetime = Field(default_factory=now)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Stored lower-cased: addresses are compared case-insensitively.
    email: str = Field(unique=True, max_length=320)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    tier: str = Field(default=Tier.standard, max_length=20)
    source: str = Field(default="web", max_length=20)
    locale: str = Field(default="en", max_length=10)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
