"""The chat channel: what a visitor's widget sends, turned into the intake's contract.

Pure: no database, no web. The desk's chat pages call these with what arrived."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from channels.message import Identity, InboundAttachment, InboundMessage, ThreadKeys

MAX_TEXT = 5000  # characters in one chat message (a longer one is refused, not cut)
MAX_NAME = 200
SUBJECT_CHARS = 80
# Visitors who give no address get one of their own that no mail server accepts: their
# customer record exists (every ticket has one) and fills in once they give a real one.
VISITOR_DOMAIN = "visitors.chat.invalid"
_EMAIL = re.compile(r"^[^@\s<>\"',;:()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and ".." not in value


def visitor_address(conversation_id: int) -> str:
    return f"visitor-{conversation_id}@{VISITOR_DOMAIN}"


def is_visitor_address(address: str) -> bool:
    return address.endswith("@" + VISITOR_DOMAIN)


def identity_signature(secret: str, email: str) -> str:
    """What a site that signed its user in passes with their email: HMAC-SHA256, hex."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def verified_identity(secret: str, email: str, signature: str) -> bool:
    """Whether the site vouched for `email` (a forged or missing signature: no)."""
    if not secret or not email or not signature:
        return False
    return hmac.compare_digest(identity_signature(secret, email), signature.strip().lower())


def clean_text(text: str) -> str:
    """A visitor's text as stored: control characters and direction overrides out, NFC."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def subject_of(text: str) -> str:
    """A chat's ticket subject: its first line, cut at a word near SUBJECT_CHARS."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= SUBJECT_CHARS:
        return first
    cut = first[:SUBJECT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUBJECT_CHARS // 2 else cut).rstrip() + "…"


def chat_message(*, conversation_id: int, ticket_id: int | None, email: str, name: str,
                 text: str, locale: str, client_id: str,
                 attachments: tuple[InboundAttachment, ...] = ()) -> InboundMessage:
    """One visitor message for the intake. `client_id` (the widget's own id for the message)
    makes a resent message a duplicate, not a second message."""
    return InboundMessage(
        channel="chat", sender=Identity("email", email, name), subject=subject_of(text),
        text=text, locale=locale, attachments=attachments,
        thread=ThreadKeys(message_id=f"<chat-{conversation_id}-{client_id}@chat.invalid>",
                          ticket_number=ticket_id, conversation=str(conversation_id)))
