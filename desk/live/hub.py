"""One process's listeners: each open page's queue of notices, and who is on which ticket."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from desk.live.notices import Notice

PRESENCE_SECONDS = 40.0  # a viewer unheard of this long has left (pages beat every 15 s)
HEARING_SECONDS = 5.0  # the longest a new stream waits for the PostgreSQL listener
QUEUE_SIZE = 200  # notices a slow page may fall behind before it is told to reload


@dataclass(eq=False)  # each page is itself: hashed by identity
class Listener:
    topics: frozenset[str]
    queue: asyncio.Queue[Notice] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False


@dataclass
class Viewer:
    user_id: int
    name: str
    state: str  # viewing | typing
    seen: float


class Hub:
    """Fans notices out to the listeners of this process. `deliver` runs on the event loop;
    `deliver_threadsafe` from any thread (a commit in a worker thread)."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        # The same listeners by topic: a notice costs its own topic's listeners only (a
        # process may hold thousands of open chats and pages).
        self.by_topic: dict[str, set[Listener]] = {}
        self.presence: dict[int, dict[int, Viewer]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        # Set while notices sent from other connections reach this process (PostgreSQL's
        # LISTEN is in place); None when they come straight from this process's commits.
        self.hearing: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    async def heard(self) -> None:
        """Wait until notices sent from now on reach this process (at most HEARING_SECONDS):
        just after the start, or after a lost connection, PostgreSQL's LISTEN may not be in
        place yet, and a notice sent before it is lost. A stream waits here after `listen`
        and before it reads the database, so what changes after its read reaches it."""
        if self.hearing is not None and not self.hearing.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self.hearing.wait(), HEARING_SECONDS)

    def listen(self, topics: frozenset[str]) -> Listener:
        listener = Listener(topics)
        self.listeners.add(listener)
        for topic in topics:
            self.by_topic.setdefault(topic, set()).add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)
        for topic in listener.topics:
            listeners = self.by_topic.get(topic)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self.by_topic[topic]

    def deliver(self, notices: list[Notice]) -> None:
        for notice in notices:
            if notice.get("kind") == "presence":
                self._note_presence(notice)
            for listener in list(self.by_topic.get(str(notice.get("topic")), ())):
                try:
                    listener.queue.put_nowait(notice)
                except asyncio.QueueFull:
                    listener.overflowed = True

    def deliver_threadsafe(self, notices: list[Notice]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            if asyncio.get_running_loop() is loop:
                self.deliver(notices)
                return
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(self.deliver, notices)

    def _note_presence(self, notice: Notice) -> None:
        ticket, user = int(notice["ticket"]), int(notice["by"])
        viewers = self.presence.setdefault(ticket, {})
        if notice.get("state") == "left":
            viewers.pop(user, None)
        else:
            viewers[user] = Viewer(user, str(notice.get("name", "")),
                                   str(notice.get("state", "viewing")), time.monotonic())

    def viewers(self, ticket_id: int) -> list[dict[str, Any]]:
        """Who is on a ticket's page now, by name (those unheard of lately dropped)."""
        horizon = time.monotonic() - PRESENCE_SECONDS
        viewers = self.presence.get(ticket_id, {})
        for user_id in [u for u, v in viewers.items() if v.seen < horizon]:
            del viewers[user_id]
        return [{"user": v.user_id, "name": v.name, "state": v.state}
                for v in sorted(viewers.values(), key=lambda v: v.name)]
