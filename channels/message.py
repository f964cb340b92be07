"""The contract between channel adapters and the desk: plain, frozen data.

Every adapter (the web form, email, the API, chat) turns what it received into an
`InboundMessage`; `desk.actions.ingest` is the one place that turns those into tickets.
What only one channel knows stays in that channel's part (`email`): the desk's intake
reads the neutral fields and the thread keys, never a mail header."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# normal: a person wrote it; autoreply: out-of-office and the like; bounce: a delivery report.
Classification = Literal["normal", "autoreply", "bounce"]

# How a sender is known: an email address, a phone number, a chat visitor's id, or an id in
# another system (a web application's or an integration's customer id).
IdentityKind = Literal["email", "phone", "chat", "web", "api"]


@dataclass(frozen=True)
class Identity:
    """Who sent a message, as the channel knows them."""

    kind: IdentityKind
    value: str
    name: str = ""


@dataclass(frozen=True)
class ThreadKeys:
    """What ties a message to earlier ones; each channel fills what it has."""

    message_id: str = ""  # this message's own id in its channel (a second delivery is a duplicate)
    in_reply_to: str = ""  # the id of the message it answers directly
    references: tuple[str, ...] = ()  # ids of earlier messages of the conversation, oldest first
    ticket_number: int | None = None  # a ticket the sender names (the "[#N]" tag in a subject)
    conversation: str = ""  # the channel's own conversation id (a chat)

    def answers(self) -> tuple[str, ...]:
        """The ids this message answers, the closest first."""
        return tuple(ref for ref in (self.in_reply_to, *reversed(self.references)) if ref)


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""  # set on inline images that HTML refers to as cid:
    inline: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    """What a bounce (RFC 3464 delivery status notification) says failed."""

    original_message_id: str = ""
    recipients: tuple[str, ...] = ()
    action: str = ""  # failed, delayed, delivered...
    status: str = ""  # e.g. 5.1.1
    diagnostic: str = ""


@dataclass(frozen=True)
class EmailPart:
    """What only mail has: the headers the filters read, the whole text with its quoted
    history, what the filters concluded, and a bounce's report."""

    headers: dict[str, str] = field(default_factory=dict)
    full_text: str = ""  # the whole text, quoted history included; the message's `text` is the new part
    classification: Classification = "normal"
    delivery_report: DeliveryReport | None = None
    # The mailbox language the mail was read with ("" none), and whether any of its bytes
    # had no usable charset and were guessed: only then would another language read it
    # differently (`channels.email.charsets`).
    language: str = ""
    guessed: bool = False


@dataclass(frozen=True)
class InboundMessage:
    """One message from a customer, whatever channel it came by."""

    channel: str  # web, email, api, chat
    sender: Identity
    subject: str
    text: str  # the new text: what notifications, previews and search lead with
    html: str = ""  # sanitised
    attachments: tuple[InboundAttachment, ...] = ()
    # The history the text quotes or forwards (below "On ... wrote:", "Forwarded message",
    # "> "), kept for the page to fold; empty when there is none.
    quoted: str = ""
    locale: str = "en"
    thread: ThreadKeys = ThreadKeys()
    email: EmailPart | None = None
    # The words a search index takes of the subject and the text, when the channel's reader
    # made them where it read the message (desk.mail.parse_pool does, in its worker
    # processes, so the intake's process does not); None: the intake makes them.
    search_words: tuple[str, str] | None = None

    @property
    def automatic(self) -> bool:
        """Written by a machine (an auto-reply, a bounce, our own mail come back): it may
        add to the ticket it answers but never opens one and is never acknowledged."""
        return self.email is not None and self.email.classification != "normal"


@dataclass(frozen=True)
class OutboundMessage:
    """One mail to send: what a channel's sender needs, nothing from the database."""

    to_address: str
    from_address: str
    subject: str
    text: str
    message_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
