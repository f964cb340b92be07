"""An admin's changes to mailboxes, each a use case validated, written and committed once
(nothing written when it raises MailboxError). The pieces run in the caller's transaction
(see ``mailboxes``), which is how the CLI and the tests use them."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.mail.mailboxes import (
    MailboxOptions,
    add_mailbox,
    set_enabled,
    update_mailbox,
)
from desk.db import commit, committed
from desk.models import Mailbox
from desk.settings import Settings


def save_new_mailbox(session: Session, settings: Settings, actor: Actor, name: str,
                     opts: MailboxOptions) -> Mailbox:
    """A new mailbox, committed (mail waiting for a way out gets its send jobs with it).
    Raises MailboxError."""
    with committed(session):
        mailbox = add_mailbox(session, settings, actor, name, opts)
    return mailbox


def save_mailbox_changes(session: Session, settings: Settings, actor: Actor, mailbox: Mailbox,
                         opts: MailboxOptions) -> Mailbox:
    """Everything but the name changed, committed. Raises MailboxError."""
    with committed(session):
        update_mailbox(session, settings, actor, mailbox, opts)
    return mailbox


def save_mailbox_enabled(session: Session, actor: Actor, mailbox: Mailbox, enabled: bool) -> None:
    """A mailbox switched on or off, committed."""
    set_enabled(session, actor, mailbox, enabled)
    commit(session)
