"""The one intake: every channel's messages through `desk.actions.ingest`, and the events
whose handlers run after the commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from channels.message import Identity, InboundAttachment, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM
from desk.actions.ingest import ingest
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.mail.stored import ingest_stored, store_raw
from desk.actions.rules.manage import create_rule
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.jobs.functions import JOBS
from desk.jobs.runner import due_jobs, execute_job
from desk.links import read_request_token
from desk.models import (
    Attachment,
    Customer,
    Direction,
    Job,
    Message,
    Notification,
    OutboundMessage,
    Ticket,
    User,
)
from desk.settings import Settings
from tests.desk.actions.test_mail_intake import mail
from tests.desk.sla.helpers import make_policy


def _inbound(ticket_number: int | None = None, message_id: str = "", answers: str = "",
             sender: str = "ada@example.com", subject: str = "Printer on fire") -> InboundMessage:
    return InboundMessage("email", Identity("email", sender, "Ada"), subject, "Hello",
                          thread=ThreadKeys(message_id=message_id, in_reply_to=answers,
                                            ticket_number=ticket_number))


def _inbound_messages(session: Session, ticket_id: int) -> list[str]:
    return list(session.exec(select(Message.text).where(
        Message.ticket_id == ticket_id, Message.direction == Direction.inbound)
        .order_by(col(Message.id))))


def test_form_mail_and_api_of_one_customer_reach_one_record_and_the_tickets_they_name(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    form = client.post("/requests", data={
        "name": "Ada Lovelace", "email": "Ada@Example.com", "subject": "Printer on fire",
        "message": "From the form."}, follow_redirects=False)
    assert form.status_code == 303
    ids = read_request_token(settings.secret_key, form.headers["location"].split("/")[2].split("?")[0])
    assert ids is not None
    ticket_id = ids[0]
    with db.session() as s:
        raw = store_raw(s, "support", [mail("<m1@example.com>", f"Re: [#{ticket_id}] Printer on fire",
                                            body="From my mail client.")])
        commit(s)
        report = ingest_stored(s, settings, raw)
        commit(s)
    assert (report.opened, report.threaded) == (0, 1)
    with db.session() as s:
        token = create_token(s, SYSTEM, make_user("agent"), name="tests")
        commit(s)
    api = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}, json={
        "customer": {"email": "ada@example.com", "name": "Ada"}, "subject": "Invoice",
        "text": "From the API."})
    assert api.status_code == 201
    with db.session() as s:
        customers = s.exec(select(Customer)).all()
        assert [c.email for c in customers] == ["ada@example.com"]
        assert _inbound_messages(s, ticket_id) == ["From the form.", "From my mail client."]
        assert _inbound_messages(s, api.json()["number"]) == ["From the API."]
        assert {t.customer_id for t in s.exec(select(Ticket))} == {customers[0].id}


def test_a_tag_reply_joins_the_ticket_its_request_opened_in_the_same_batch(
    session: Session, settings: Settings,
) -> None:
    first = ingest(session, settings, [_inbound(message_id="<seed@example.com>")])[0]
    commit(session)
    assert first.ticket_id is not None
    request = _inbound(message_id="<req@example.com>", subject="Screen broken")
    # The new request will be the next ticket; its acknowledgement carried "[#N]".
    reply = _inbound(ticket_number=first.ticket_id + 1, message_id="<re@example.com>",
                     subject=f"Re: [#{first.ticket_id + 1}] Screen broken")
    opened, added = ingest(session, settings, [request, reply])
    commit(session)
    assert opened.outcome == "opened" and added.outcome == "added"
    assert added.ticket_id == opened.ticket_id == first.ticket_id + 1
    assert len(session.exec(select(Ticket)).all()) == 2


def test_a_message_already_stored_is_a_duplicate_and_lands_nowhere(
    session: Session, settings: Settings,
) -> None:
    first, again = ingest(session, settings, [_inbound(message_id="<x@example.com>"),
                                              _inbound(message_id="<x@example.com>")])
    later = ingest(session, settings, [_inbound(message_id="<x@example.com>")])[0]
    assert (first.outcome, again.outcome, later.outcome) == ("opened", "duplicate", "duplicate")
    assert len(session.exec(select(Message)).all()) == 1


def test_writing_again_reopens_a_solved_ticket_and_continues_a_closed_one_in_a_new_ticket(
    session: Session, settings: Settings,
) -> None:
    ticket, _ = ingest_message(session, settings, _inbound())
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    update_ticket(session, SYSTEM, ticket, {"status": "solved"})
    message, _ = add_customer_reply(session, settings, ticket, customer, "Still broken.")
    assert message.ticket_id == ticket.id and ticket.status == "open"
    update_ticket(session, SYSTEM, ticket, {"status": "closed"})
    later, _ = add_customer_reply(session, settings, ticket, customer, "Broken again.")
    follow_up = session.get(Ticket, later.ticket_id)
    assert follow_up is not None and follow_up.id != ticket.id
    assert follow_up.follows_id == ticket.id and ticket.status == "closed"


def test_a_stranger_naming_a_ticket_opens_their_own(session: Session, settings: Settings) -> None:
    ticket, _ = ingest_message(session, settings, _inbound())
    other = ingest(session, settings, [_inbound(ticket_number=ticket.id, sender="eve@gmail.com")])[0]
    assert other.outcome == "opened" and other.ticket_id != ticket.id


def test_handlers_run_after_the_commit_and_never_after_a_rollback(
    db: Database, settings: Settings, make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    with db.session() as s:  # a policy and rules on both events: their handlers have work
        make_policy(s)
        for event in ("ticket_created", "ticket_updated"):
            create_rule(s, SYSTEM, {"name": event, "events": [event], "conditions": {
                "match": "all", "items": [{"field": "subject", "op": "contains", "value": "zzz"}]},
                "actions": [{"type": "set_priority", "value": "high"}]})
        commit(s)
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, _inbound())
        update_ticket(s, SYSTEM, ticket, {"assignee_id": agent.id})
        # The new ticket's rules and SLA clocks, the assignee's notice and the rules on the
        # change (issue 13 added the first two subscribers of TicketCreated, then the last).
        assert sorted(j.name for j in s.exec(select(Job))) == [
            "notify_ticket_routed", "run_rules_on_created", "run_rules_on_update", "sla_start"]
        s.rollback()
    assert due_jobs(db) == []
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, _inbound())
        update_ticket(s, SYSTEM, ticket, {"assignee_id": agent.id})
        commit(s)
    for job_id in due_jobs(db):
        execute_job(db, job_id)
    with db.session() as s:
        notes = s.exec(select(Notification)).all()
        assert [(n.user_id, n.ticket_id, n.kind) for n in notes] == [(agent.id, ticket.id, "assigned")]


def test_a_failing_handler_is_retried_and_never_undoes_the_change(
    db: Database, settings: Settings, make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    calls: list[dict[str, object]] = []

    def broken(ctx: object, **args: object) -> None:
        calls.append(args)
        raise RuntimeError("notice service down")

    functions = {**JOBS, "notify_ticket_routed": broken}
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, _inbound())
        update_ticket(s, SYSTEM, ticket, {"assignee_id": agent.id})
        commit(s)
    with db.session() as s:  # the routing notice's job (the ticket's rules and SLA jobs aside)
        job_id = s.exec(select(Job.id).where(Job.name == "notify_ticket_routed")).one()
    job = execute_job(db, job_id, functions)
    assert job is not None and job.status == "queued" and "notice service down" in job.last_error
    assert calls == [{"ticket_id": ticket.id, "changes": {"assignee_id": [None, agent.id]}, "chain": []}]
    with db.session() as s:
        kept = s.get(Ticket, ticket.id)
        assert kept is not None and kept.assignee_id == agent.id


def test_a_reply_on_the_private_page_of_a_closed_ticket_opens_a_follow_up_and_shows_it(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    form = client.post("/requests", data={
        "name": "Ada", "email": "ada@example.com", "subject": "Printer on fire",
        "message": "Help."}, follow_redirects=False)
    page = form.headers["location"].split("?")[0]
    ids = read_request_token(settings.secret_key, page.split("/")[2])
    assert ids is not None
    with db.session() as s:
        ticket = s.get(Ticket, ids[0])
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, {"status": "closed"})
        commit(s)
    reply = client.post(page + "/replies", data={"message": "It is on fire again."},
                        follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] != page
    new_ids = read_request_token(settings.secret_key, reply.headers["location"].split("/")[2])
    assert new_ids is not None and new_ids[0] != ids[0]
    assert "It is on fire again." in client.get(reply.headers["location"]).text
    with db.session() as s:
        follow_up = s.get(Ticket, new_ids[0])
        assert follow_up is not None and follow_up.follows_id == ids[0]


def test_mail_spelling_a_customer_in_its_display_name_never_writes_as_that_customer(
    session: Session, settings: Settings,
) -> None:
    ticket, _ = ingest_message(session, settings, _inbound(sender="sarah.johnson@acme.example"))
    commit(session)
    spoof = (f"From: =?utf-8?q?a:sarah.johnson@acme.example;?= <attacker@evil.example>\r\n"
             f"To: support@desk.test\r\nSubject: Re: [#{ticket.id}] Printer on fire\r\n"
             f"Message-ID: <spoof@evil.example>\r\nContent-Type: text/plain\r\n\r\nSend it to me.\r\n")
    raw = store_raw(session, "support", [spoof.encode()])
    commit(session)
    report = ingest_stored(session, settings, raw)
    commit(session)
    assert (report.opened, report.threaded) == (1, 0)
    assert _inbound_messages(session, ticket.id) == ["Hello"]
    attacker = session.exec(select(Customer).where(Customer.email == "attacker@evil.example")).one()
    assert attacker.id != ticket.customer_id


def test_control_characters_never_reach_a_ticket_and_file_names_show_their_real_type(
    session: Session, settings: Settings,
) -> None:
    message = InboundMessage(
        "api", Identity("email", "ada@example.com", "Ada\r\nBcc: all@example.com"),
        "Invoice\r\nBcc: everyone@example.com\x00", "Hello\x00 there",
        attachments=(InboundAttachment("invoice\u202efdp.exe", "application/octet-stream", b"MZ"),))
    ticket, _ = ingest_message(session, settings, message)
    commit(session)
    assert ticket.subject == "Invoice Bcc: everyone@example.com"
    stored = session.exec(select(Message).where(Message.ticket_id == ticket.id)).one()
    assert stored.text == "Hello there"
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.name == "Ada Bcc: all@example.com"
    (attachment,) = session.exec(select(Attachment)).all()
    assert attachment.filename == "invoicefdp.exe"
    ack = session.exec(select(OutboundMessage)).one()
    assert "\r" not in ack.subject and "\n" not in ack.subject and "\x00" not in ack.subject


def test_a_customer_writing_chinese_gets_the_acknowledgement_in_chinese(
    session: Session, settings: Settings,
) -> None:
    for locale, sender in (("zh", "wang@example.cn"), ("zh-CN", "li@example.cn"), ("zh_CN", "he@example.cn")):
        message = InboundMessage("email", Identity("email", sender, "王"), "打印机坏了", "您好",
                                 locale=locale)
        ingest(session, settings, [message])
    commit(session)
    acks = session.exec(select(OutboundMessage)).all()
    assert len(acks) == 3 and all("我们已收到您的工单" in a.body_text for a in acks)


def test_events_nobody_listens_to_write_no_jobs(db: Database, settings: Settings) -> None:
    """Without an enabled rule on an event or an SLA policy, their handlers get no job (the
    intake writes none that would find nothing to do); a rule saved later acts on what
    comes after it."""
    with db.session() as s:
        create_rule(s, SYSTEM, {"name": "Off", "enabled": False, "events": ["ticket_created"],
                                "actions": [{"type": "set_priority", "value": "high"}]})
        create_rule(s, SYSTEM, {"name": "On replies", "events": ["customer_replied"],
                                "actions": [{"type": "set_priority", "value": "high"}]})
        commit(s)
    with db.session() as s:
        first, _ = ingest_message(s, settings, _inbound())
        commit(s)
        names = sorted(j.name for j in s.exec(select(Job)))
    assert not any(n.startswith(("run_rules", "sla_")) for n in names), names
    with db.session() as s:
        create_rule(s, SYSTEM, {"name": "Urgent words", "events": ["ticket_created"],
                                "conditions": {"match": "all", "items": [
                                    {"field": "subject", "op": "contains", "value": "down"}]},
                                "actions": [{"type": "set_priority", "value": "urgent"}]})
        make_policy(s)
        commit(s)
    with db.session() as s:
        second, _ = ingest_message(s, settings, _inbound(subject="Site down"))
        commit(s)
        jobs = [(j.name, j.args.get("ticket_id")) for j in s.exec(select(Job))]
    assert ("run_rules_on_created", second.id) in jobs and ("sla_start", second.id) in jobs
    assert ("run_rules_on_created", first.id) not in jobs
    while ids := due_jobs(db):
        for job_id in ids:
            execute_job(db, job_id)
    with db.session() as s:
        ticket = s.get(Ticket, second.id)
        assert ticket is not None and ticket.priority == "urgent"
