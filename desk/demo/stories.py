"""What the demo's tickets say: a request, the answers, and the lines around them.

Texts are ``str.format`` templates: ``{first}`` is how the agent greets the
customer, ``{n}`` a number that makes invoices and orders differ, ``{domain}`` the
customer's mail domain, ``{company}`` the name their company invoices under.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.models import Priority


@dataclass(frozen=True)
class Sample:
    """A file a customer attaches to their first message."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Story:
    """One kind of request and the conversation an agent has about it."""

    team: str
    subject: str
    body: str
    reply: str  # the first public answer, usually asking for something
    follow_up: str  # the customer's answer to it
    note: str  # an internal note between agents
    resolution: str  # the public answer that solves it
    tags: tuple[str, ...]
    priority: str = Priority.normal
    sample: Sample | None = None


@dataclass(frozen=True)
class Lines:
    """The sentences of one language that do not belong to a single story."""

    locale: str
    stories: tuple[Story, ...]
    nudges: tuple[str, ...]  # a customer asking whether anyone is on it
    reopenings: tuple[str, ...]  # a customer writing again after it was solved
    hold_notes: dict[str, str]  # team name -> why a ticket waits on someone else
