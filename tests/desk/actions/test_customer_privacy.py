"""Privacy requests: everything held on a customer exported; a customer anonymised with the
tickets kept and the personal data gone (record, identities, messages, raw mail, audit)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from channels.message import InboundAttachment
from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.identities import Contact, identify_customer, identify_senders
from desk.actions.customers.notes import add_note
from desk.actions.customers.privacy import (
    Redactor,
    anonymise_customer,
    privacy_export,
    remove_files,
)
from desk.actions.customers.records import CustomerError, update_customer
from desk.actions.ingest.one import add_customer_reply
from desk.actions.mail.stored import ingest_stored, store_raw
from desk.actions.tickets.changes import add_agent_reply
from desk.actions.users import create_user
from desk.attachment_store import read_attachment
from desk.db import commit
from desk.models import (
    Attachment,
    AttachmentBytes,
    AuditEntry,
    Customer,
    CustomerIdentity,
    CustomerNote,
    Mailbox,
    Message,
    RawMessage,
    Ticket,
    User,
)
from desk.queries.customers.records import CustomerFilter, list_customers
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings

MAIL = (b"From: Ada Lovelace <ada@example.com>\r\nTo: support@desk.test\r\n"
        b"Subject: Ada Lovelace needs a refund\r\n"
        b"Message-ID: <refund@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Please call me on +44 20 7946 0958 or write to ADA@example.com or ada@home.example.\r\n"
        b"Thanks, Ada Lovelace\r\n")


@dataclass
class World:
    customer: Customer
    agent: User
    ticket_id: int
    raw_id: int


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    session.add(Mailbox(name="support", address="support@desk.test"))
    agent = create_user(session, SYSTEM, "agent@desk.test", "Ana Agent", "agent", None)
    commit(session)
    (raw_id,) = store_raw(session, "support", [MAIL])
    commit(session)
    ingest_stored(session, settings, [raw_id])
    commit(session)
    raw = session.get(RawMessage, raw_id)
    assert raw is not None and raw.ticket_id is not None
    customer = identify_customer(session, SYSTEM, "ada@example.com", "", "email")
    update_customer(session, SYSTEM, customer, {
        "emails": ["ada@example.com", "ada@home.example"], "phones": ["+44 20 7946 0958"],
        "tags": ["vip-lead"], "owner_id": agent.id})
    add_note(session, Actor.of_user(agent), customer, "Ada prefers phone calls.")
    ticket = session.get(Ticket, raw.ticket_id)
    assert ticket is not None
    add_customer_reply(session, settings, ticket, customer, "Here is my passport.", attachments=(
        InboundAttachment("passport.pdf", "application/pdf", b"%PDF secret"),))
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket,
                    "Hello Ada Lovelace, refunded.", internal=False)
    commit(session)
    return World(customer, agent, raw.ticket_id, raw_id)


def _texts(session: Session, ticket_id: int) -> list[str]:
    return [m.text for m in session.exec(select(Message).where(Message.ticket_id == ticket_id)
                                         .order_by(col(Message.id)))]


def test_privacy_export_holds_the_record_tickets_messages_and_notes(
    session: Session, world: World,
) -> None:
    data = privacy_export(session, Actor.of_user(world.agent), world.customer)
    commit(session)
    text = json.dumps(data, ensure_ascii=False)
    assert data["customer"]["name"] == "Ada Lovelace"
    assert {i["value"] for i in data["identities"]} == {"ada@example.com", "ada@home.example",
                                                       "+442079460958"}
    assert data["owner"] == {"name": "Ana Agent", "email": "agent@desk.test"}
    assert data["tags"] == ["vip-lead"]
    assert data["notes"][0]["body"] == "Ada prefers phone calls."
    (ticket,) = data["tickets"]
    assert ticket["subject"] == "Ada Lovelace needs a refund"
    assert [m["direction"] for m in ticket["messages"]] == ["inbound", "inbound", "outbound"]
    assert ticket["messages"][1]["attachments"] == [
        {"filename": "passport.pdf", "content_type": "application/pdf", "size": 11}]
    assert "updated" in {a["action"] for a in data["audit"]}
    assert "refunded" in text
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "privacy_export")).one()


def test_anonymising_removes_personal_data_and_keeps_the_tickets(
    session: Session, settings: Settings, world: World,
) -> None:
    customer = world.customer
    assert customer.id is not None
    (attachment,) = session.exec(select(Attachment)).all()
    # A small file: its bytes are kept in the database (desk.attachment_store).
    assert read_attachment(session, settings.attachments_dir, attachment) == b"%PDF secret"

    done = anonymise_customer(session, SYSTEM, customer, settings.attachments_dir)
    commit(session)
    remove_files(done.files)

    session.expire_all()
    record = session.get(Customer, customer.id)
    assert record is not None and record.anonymised_at is not None
    assert record.name == f"Anonymised customer #{customer.id}"
    assert record.email == f"anonymised-{customer.id}@anonymised.invalid"
    assert record.owner_id is None and record.fields == {}
    assert [i.value for i in session.exec(select(CustomerIdentity).where(
        CustomerIdentity.customer_id == customer.id))] == [record.email]
    assert not session.exec(select(CustomerNote)).all()
    # The ticket and its conversation stay, without the name, addresses and number.
    ticket = session.get(Ticket, world.ticket_id)
    assert ticket is not None and ticket.subject == "[removed] needs a refund"
    texts = _texts(session, world.ticket_id)
    assert len(texts) == 3 and "refunded" in texts[2]
    everything = " ".join(texts)
    for secret in ("Ada", "ada@", "ADA@", "7946", "Lovelace"):
        assert secret not in everything
    assert "write to [removed] or [removed]" in texts[0]
    assert not session.exec(select(Attachment)).all()
    assert not session.exec(select(AttachmentBytes)).all() and not done.files
    raw = session.get(RawMessage, world.raw_id)
    assert raw is not None and raw_bytes(session, world.raw_id) == b"" and raw.ticket_id == world.ticket_id
    # Nothing in the audit trail still names them.
    audit = session.exec(select(AuditEntry)).all()
    trail = json.dumps([[a.actor_name, a.changes] for a in audit], ensure_ascii=False)
    for secret in ("Ada", "ada@", "7946", "+442079460958", "Lovelace"):
        assert secret not in trail
    assert any(a.action == "anonymised" and a.entity_id == customer.id for a in audit)


def test_anonymised_customer_is_not_found_by_old_name_and_old_address_makes_a_new_customer(
    session: Session, settings: Settings, world: World,
) -> None:
    customer_id = world.customer.id
    anonymise_customer(session, SYSTEM, world.customer, settings.attachments_dir)
    commit(session)
    assert list_customers(session, CustomerFilter(q="Lovelace")).customers == []
    assert list_customers(session, CustomerFilter(q="ada@home")).customers == []
    (sender,) = identify_senders(session, SYSTEM, [Contact("ada@example.com", "Ada", "email")])
    assert sender.id != customer_id
    assert session.get(Ticket, world.ticket_id).customer_id == customer_id  # type: ignore[union-attr]


def test_anonymising_twice_is_refused(session: Session, settings: Settings, world: World) -> None:
    anonymise_customer(session, SYSTEM, world.customer, settings.attachments_dir)
    commit(session)
    with pytest.raises(CustomerError) as error:
        anonymise_customer(session, SYSTEM, world.customer, settings.attachments_dir)
    assert error.value.message == "This customer was already anonymised."


def test_redaction_matches_whole_latin_names_chinese_names_anywhere_and_phones_however_written() -> None:
    latin = Redactor("Ada", frozenset({"ada@example.com"}), frozenset({"079460958"}))
    assert latin.text("Ada from Canada, ADA@Example.com, 020 7946 0958") == \
        "[removed] from Canada, [removed], [removed]"
    chinese = Redactor("王小明", frozenset(), frozenset())
    assert chinese.text("我是王小明，谢谢") == "我是[removed]，谢谢"


def test_anonymising_is_the_one_rewrite_of_audit_entries_and_is_recorded_as_such(
    session: Session, settings: Settings, world: World,
) -> None:
    from desk.actions.audit import record

    customer = world.customer
    assert customer.id is not None
    record(session, Actor("customer", customer.id, customer.name, "203.0.113.9"),
           "ticket", world.ticket_id, "replied", {"text": [None, "Ada Lovelace here"]})
    commit(session)
    anonymise_customer(session, SYSTEM, customer, settings.attachments_dir)
    commit(session)
    theirs = session.exec(select(AuditEntry).where(AuditEntry.actor_type == "customer")).all()
    assert theirs and {(a.actor_name, a.address) for a in theirs} == {
        (f"Anonymised customer #{customer.id}", "")}
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "anonymised")).all()
    assert entry.changes["audit_entries_redacted"][1] >= 2


def test_anonymising_deletes_the_customers_failed_web_form_requests_and_no_one_elses(
    session: Session, settings: Settings, world: World,
) -> None:
    """A request the form's intake could not open keeps what the customer sent; erasing the
    customer erases it too, whichever of their addresses it came from."""
    from channels.message import Identity, InboundMessage
    from desk.actions.ingest.submissions import record_failure, to_payload
    from desk.models import FormSubmission

    def sent(address: str) -> str:
        return to_payload(InboundMessage("web", Identity("email", address, "Ada"), "Refund",
                                         "My card ends 4242."))
    record_failure(session, "spool", 1, sent("Ada@Home.example"), "KeyError: 'x'")
    record_failure(session, "spool", 2, sent("someone@example.com"), "KeyError: 'x'")
    commit(session)
    anonymise_customer(session, SYSTEM, world.customer, settings.attachments_dir)
    commit(session)
    rows = {r.request_id: r for r in session.exec(select(FormSubmission))}
    assert (rows[1].status, rows[1].payload) == ("discarded", "")
    assert rows[2].status == "failed" and "4242" in rows[2].payload
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "anonymised")).all()
    assert entry.changes["form_requests_deleted"] == [None, 1]
