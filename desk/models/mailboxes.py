"""Mailboxes: where mail comes in (IMAP, or pushed to `desk smtpd`) and goes out (SMTP)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class AfterFetch(StrEnum):
    flag = "flag"  # set \\Seen and $DeskProcessed, leave the mail where it is
    move = "move"  # move it to `processed_folder`


class Mailbox(SQLModel, table=True):
    """One address the desk answers for. Passwords are stored encrypted (`desk.secrets`)
    and never leave the server: forms, pages, logs and the API show only whether one is set."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    address: str = Field(max_length=320, index=True)  # lower case; Reply-To of what we send
    display_name: str = Field(default="", max_length=200)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    enabled: bool = True
    # The language its customers write in when their mail names no charset (a code of
    # channels.email.charsets.LANGUAGES; "" none): that language's charsets are preferred
    # for unlabelled bytes, after what the mail itself declares.
    language: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})

    # IMAP (empty imap_host: push-only mailbox, fed by `desk smtpd` or `desk ingest`).
    imap_host: str = Field(default="", max_length=255)
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = Field(default="", max_length=320)
    imap_password: str = Field(default="", sa_type=Text)  # encrypted
    imap_folder: str = Field(default="INBOX", max_length=255)
    after_fetch: str = Field(default=AfterFetch.flag, max_length=10)
    processed_folder: str = Field(default="Desk/Processed", max_length=255)
    poll_seconds: int = 60

    # SMTP for what the desk sends (empty smtp_host: nothing can leave from this mailbox).
    smtp_host: str = Field(default="", max_length=255)
    smtp_port: int = 465
    smtp_ssl: bool = True  # smtps:// (implicit TLS); smtp:// uses STARTTLS when offered
    # smtp+starttls://: nothing is sent unless the STARTTLS upgrade succeeds.
    smtp_require_tls: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    smtp_user: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", sa_type=Text)  # encrypted

    # Acknowledgement of new requests.
    acknowledge: bool = True
    ack_per_hour: int = 3  # per sender
    ack_subject: str = Field(default="", max_length=300)  # empty: the localised default
    ack_body: str = Field(default="", sa_type=Text)  # empty: the localised default

    # Fetch state: the watermark (highest stored UID under that UIDVALIDITY) and health.
    uidvalidity: int | None = None
    last_uid: int = 0
    last_success_at: datetime | None = None
    last_error: str = Field(default="", sa_type=Text)
    last_error_at: datetime | None = None
    # One fetch at a time per mailbox, across processes: a pass takes the lease (an
    # UPDATE ... WHERE lease_until IS NULL OR lease_until < now) and clears it when done.
    lease_until: datetime | None = None

    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
