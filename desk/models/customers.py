"""Customers, their identities, organisations and everything kept on the record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from desk.models.base import now

SEARCH_KEY_TYPE = String(100).with_variant(String(100, collation="C"), "postgresql")


class Tier(StrEnum):
    vip = "vip"
    standard = "standard"
    prospect = "prospect"


class Source(StrEnum):
    """How the record came to be."""

    email = "email"
    web = "web"
    api = "api"
    import_ = "import"


class IdentityKind(StrEnum):
    email = "email"
    phone = "phone"
    web = "web"  # an id a web application knows the customer by
    api = "api"  # an id an integration knows the customer by


class FieldKind(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    choice = "choice"


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    domain: str | None = Field(default=None, max_length=253, index=True)
    tier: str = Field(default=Tier.standard, max_length=20)
    # New customers whose email domain is ``domain`` join this organisation.
    auto_join: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # Its contacts see each other's requests in the customer portal (read only).
    portal_shared: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    created_at: datetime = Field(default_factory=now)


class Customer(SQLModel, table=True):
    __table_args__ = (
        Index("ix_customer_owner_id", "owner_id"),
        Index("ix_customer_name", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # The primary address (lower-cased), always one of the customer's email identities.
    # The identities are the authority on who owns an address; a merged or anonymised
    # record keeps a placeholder here so the unique index never blocks a live customer.
    email: str = Field(unique=True, max_length=320)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    tier: str = Field(default=Tier.standard, max_length=20)
    source: str = Field(default="web", max_length=20)
    locale: str = Field(default="en", max_length=10)
    # The agent who looks after the account.
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    # Values of the admin-defined fields, by CustomerField.key.
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON,
                                   sa_column_kwargs={"server_default": text("'{}'")})
    reviewed_at: datetime | None = None
    # Set when merged into another record (hidden everywhere; the merge can be undone).
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id")
    anonymised_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class CustomerIdentity(SQLModel, table=True):
    """One way to reach or recognise a customer. (kind, value) belongs to one customer."""

    __table_args__ = (
        UniqueConstraint("kind", "value", name="uq_customeridentity_kind_value"),
        Index("ix_customeridentity_customer", "customer_id"),
        Index("ix_customeridentity_normalised", "normalised"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=10)
    # Email lower-cased; phone as +digits; web/api ids as given.
    value: str = Field(max_length=320)
    # The form duplicates are found by (email without +tags and Gmail dots, phone digits).
    normalised: str = Field(max_length=320)
    label: str = Field(default="", max_length=50)
    created_at: datetime = Field(default_factory=now)


class CustomerSearchKey(SQLModel, table=True):
    """Prefix keys of a customer's name, emails and phones: search is a range scan on
    ``key`` (fast at a million customers on SQLite and PostgreSQL alike)."""

    # Without a rowid on SQLite the primary key is the table: one b-tree less to write.
    __table_args__ = (Index("ix_customersearchkey_customer", "customer_id", "key"),
                      {"sqlite_with_rowid": False})

    # Byte order on PostgreSQL too: a language collation would break "starts with" ranges.
    key: str = Field(primary_key=True, sa_type=SEARCH_KEY_TYPE)
    customer_id: int = Field(primary_key=True)


class CustomerTag(SQLModel, table=True):
    __table_args__ = (Index("ix_customertag_tag_customer", "tag", "customer_id"),)

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    tag: str = Field(primary_key=True, max_length=50)


class CustomerNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=now)


class CustomerField(SQLModel, table=True):
    """A field admins add to every customer record."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=50)
    label: str = Field(max_length=100)
    kind: str = Field(max_length=10)
    choices: list[str] = Field(default_factory=list, sa_type=JSON)
    position: int = 0
    created_at: datetime = Field(default_factory=now)


class CustomerMerge(SQLModel, table=True):
    """One merge, with what it moved, so it can be undone."""

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = Field(foreign_key="customer.id", index=True)
    merged_id: int = Field(foreign_key="customer.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(default="", max_length=200)
    # Ticket ids, identity ids, note ids, tags and the survivor's values before.
    moved: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=now)
    undone_at: datetime | None = None


class TierPolicy(SQLModel, table=True):
    """Per tier: after how many days without review a record is on its owner's list."""

    tier: str = Field(primary_key=True, max_length=20)
    review_days: int
