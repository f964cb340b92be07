"""A process's listeners: notices by topic, who is on a ticket, a page left behind."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desk.live import hub as hub_module
from desk.live.hub import QUEUE_SIZE, Hub
from desk.live.notices import QUEUE, ticket_topic


def _presence(ticket: int, user: int, name: str, state: str) -> dict[str, object]:
    return {"topic": ticket_topic(ticket), "kind": "presence", "ticket": ticket, "by": user,
            "name": name, "state": state}


def test_a_page_hears_only_the_topics_it_listens_to() -> None:
    hub = Hub()
    ticket_page = hub.listen(frozenset({ticket_topic(1)}))
    queue_page = hub.listen(frozenset({QUEUE}))
    hub.deliver([{"topic": ticket_topic(2), "kind": "message", "ticket": 2},
                 {"topic": ticket_topic(1), "kind": "message", "ticket": 1},
                 {"topic": QUEUE, "kind": "message", "ticket": 1}])
    assert ticket_page.queue.qsize() == 1 and ticket_page.queue.get_nowait()["ticket"] == 1
    assert queue_page.queue.qsize() == 1
    hub.leave(ticket_page)
    hub.deliver([{"topic": ticket_topic(1), "kind": "message", "ticket": 1}])
    assert ticket_page.queue.qsize() == 0


def test_viewers_are_listed_by_name_with_typing_and_leave_when_they_say_so() -> None:
    hub = Hub()
    hub.deliver([_presence(5, 1, "Wang Li", "viewing"), _presence(5, 2, "Ana", "typing"),
                 _presence(6, 3, "Other ticket", "viewing")])
    assert hub.viewers(5) == [{"user": 2, "name": "Ana", "state": "typing"},
                              {"user": 1, "name": "Wang Li", "state": "viewing"}]
    hub.deliver([_presence(5, 2, "Ana", "left")])
    assert [v["name"] for v in hub.viewers(5)] == ["Wang Li"]


def test_a_viewer_unheard_of_for_a_while_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Hub()
    hub.deliver([_presence(5, 1, "Wang Li", "viewing")])
    later = hub_module.time.monotonic() + hub_module.PRESENCE_SECONDS + 1
    monkeypatch.setattr(hub_module.time, "monotonic", lambda: later)
    assert hub.viewers(5) == []


def test_a_page_that_falls_too_far_behind_is_marked_to_reload_not_blocking_others() -> None:
    hub = Hub()
    slow = hub.listen(frozenset({QUEUE}))
    hub.deliver([{"topic": QUEUE, "kind": "created", "ticket": i} for i in range(QUEUE_SIZE + 5)])
    assert slow.overflowed and slow.queue.qsize() == QUEUE_SIZE


def test_notices_from_another_thread_arrive_on_the_event_loop() -> None:
    async def scenario() -> dict[str, object]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        page = hub.listen(frozenset({QUEUE}))
        worker = threading.Thread(target=hub.deliver_threadsafe,
                                  args=([{"topic": QUEUE, "kind": "created", "ticket": 3}],))
        worker.start()
        worker.join()
        return await asyncio.wait_for(page.queue.get(), 2)

    assert asyncio.run(scenario())["ticket"] == 3
