"""Which pages hear of which change, and notices cut to fit PostgreSQL's NOTIFY."""

from __future__ import annotations

import json

from desk.events import AgentReplied, CustomerReplied, SurveyAnswered, TicketCreated, TicketUpdated
from desk.live.notices import MAX_PAYLOAD, QUEUE, batches, notices_of, ticket_topic


def test_a_reply_reaches_the_ticket_page_and_the_queues_naming_who_wrote_it() -> None:
    notices = notices_of(AgentReplied(7, 70, 700, internal=False), actor_id=3)
    assert [n["topic"] for n in notices] == [ticket_topic(7), QUEUE]
    assert notices[0]["by"] == 3 and notices[0]["kind"] == "message"


def test_a_customer_message_has_no_staff_author() -> None:
    page, queue = notices_of(CustomerReplied(7, 71, "email"))
    assert page["by"] is None and queue["topic"] == QUEUE


def test_an_update_carries_each_field_before_and_after_as_text() -> None:
    (page, _queue) = notices_of(TicketUpdated(7, {"priority": ["normal", "urgent"],
                                                   "assignee_id": [None, 4]}), actor_id=2)
    assert page["changes"] == {"priority": ["normal", "urgent"], "assignee_id": ["", "4"]}


def test_a_new_ticket_tells_only_the_queues_and_other_events_nobody() -> None:
    assert [n["topic"] for n in notices_of(TicketCreated(9, "web", 1))] == [QUEUE]
    assert notices_of(SurveyAnswered(1, 9, 5)) == []


def test_many_notices_are_sent_in_groups_that_each_fit_one_notify() -> None:
    many = [n for i in range(2000) for n in notices_of(CustomerReplied(i, i, "email"))]
    groups = batches(many)
    assert sum(len(g) for g in groups) == len(many) and len(groups) > 1
    assert all(len(json.dumps(g, ensure_ascii=False).encode()) <= MAX_PAYLOAD for g in groups)


def test_a_notice_too_large_for_notify_keeps_who_and_what_but_not_its_details() -> None:
    huge = notices_of(TicketUpdated(7, {"subject": ["a", "x" * 20000]}), actor_id=1)[0]
    [[notice]] = batches([huge])
    assert notice == {"topic": ticket_topic(7), "kind": "updated", "ticket": 7, "by": 1}
