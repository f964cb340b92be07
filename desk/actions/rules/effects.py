"""What a rule says rather than sets: a reply to the customer from a template (in their
language, placeholders filled as a macro's are, optionally with the knowledge-base articles
that match the subject) and notifications to staff (in the app or by mail).

A reply is an outbound message with no author, sent like an agent's reply (MailQueued) and
shown in the history as the rule's; it counts as no agent's reply for the SLA clocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from desk import notices
from desk.actions.audit import Actor, record
from desk.actions.inserts import insert_row
from desk.actions.rules.messages import reply_text
from desk.actions.tickets.changes import _add_message, _queue_outbound
from desk.actions.tickets.outbox import outbox_row, queue_sends
from desk.i18n import gettext_for
from desk.links import request_url
from desk.macro_text import article_ids, fill
from desk.models import Article, Customer, Direction, Notification, OutboundKind, TeamMembership, Ticket, User
from desk.models.tables import OUTBOX
from desk.notices import Notice
from desk.queries.macros import article_link
from desk.settings import Settings
from desk.threading_ids import new_message_id

ARTICLES = 3
# (subject and first text, the customer's locale) -> the matching articles' (title, address)
FindArticles = Callable[[str, str], list[tuple[str, str]]]


@dataclass(frozen=True)
class Services:
    """What the effects need from outside the database: settings and the article search."""

    settings: Settings
    find_articles: FindArticles | None = None


def send_reply(session: Session, services: Services, actor: Actor, ticket: Ticket,
               value: Mapping[str, Any], first_text: str) -> int | None:
    """The template's reply queued to the customer; its message id (None: no address)."""
    assert ticket.id is not None
    customer = session.get(Customer, ticket.customer_id)
    if customer is None or customer.id is None or not customer.email:
        return None
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id is not None else None
    text = reply_text(value, customer.locale)
    values = {"customer.name": customer.name or customer.email, "customer.email": customer.email,
              "ticket.number": str(ticket.id), "ticket.subject": ticket.subject,
              "agent.name": assignee.name if assignee is not None else ""}
    text = fill(text, values, _linked_articles(session, services, text))
    if value.get("articles") and services.find_articles is not None:
        found = services.find_articles(f"{ticket.subject}\n{first_text}", customer.locale)[:ARTICLES]
        if found:
            text += "\n\n" + "\n".join(f"- {title}: {url}" for title, url in found)
    settings = services.settings
    rfc_id = new_message_id(settings)
    message_id = _add_message(session, settings, ticket.id, Direction.outbound, text, message_id=rfc_id)
    link = request_url(settings.base_url, settings.secret_key, ticket.id, customer.id)
    signature = assignee.name if assignee is not None else ""
    notice = notices.reply(customer.locale, ticket.id, ticket.subject, text, signature, link)
    _queue_outbound(session, ticket, message_id, OutboundKind.reply, customer.email, notice, rfc_id)
    record(session, actor, "ticket", ticket.id, "replied", {"message": [None, message_id]})
    return message_id


def _linked_articles(session: Session, services: Services, text: str) -> dict[int, str]:
    ids = article_ids(text)
    if not ids:
        return {}
    base = services.settings.base_url
    return {a.id: f"{a.title}: {article_link(base, a)}"
            for a in session.exec(select(Article).where(col(Article.id).in_(ids))) if a.id is not None}


def notify(session: Session, services: Services, actor: Actor, ticket: Ticket,
           value: Mapping[str, Any]) -> list[int]:
    """A notification for each recipient the action names (in the app, or by mail as well);
    the users told."""
    assert ticket.id is not None
    users = _recipients(session, ticket, value.get("to"))
    by_mail = value.get("by") == "email"
    note = str(value.get("note", ""))
    for user in users:
        assert user.id is not None
        session.add(Notification(user_id=user.id, ticket_id=ticket.id, kind="rule"))
        if by_mail and user.email:
            notice = _notice(user, ticket, actor.name, note, services.settings.base_url)
            outbound = insert_row(session, OUTBOX, outbox_row(
                ticket.id, None, OutboundKind.notification, user.email, notice,
                new_message_id(services.settings), mailbox_id=ticket.mailbox_id))
            queue_sends(session, [outbound])
    if users:
        record(session, actor, "ticket", ticket.id, "notified",
               {"notified": [None, sorted(u.name for u in users)]})
    return [u.id for u in users if u.id is not None]


def _recipients(session: Session, ticket: Ticket, to: Any) -> list[User]:
    if to == "assignee":
        ids = [ticket.assignee_id] if ticket.assignee_id is not None else []
    elif to == "team":
        ids = list(session.exec(select(TeamMembership.user_id).where(
            TeamMembership.team_id == ticket.team_id))) if ticket.team_id is not None else []
    else:
        ids = [to] if isinstance(to, int) else []
    users = [session.get(User, i) for i in ids]
    return [u for u in users if u is not None and u.is_active]


def _notice(user: User, ticket: Ticket, rule: str, note: str, base_url: str) -> Notice:
    def t(message: str) -> str:
        return gettext_for(user.locale, message)

    lines = [t("Rule '%(rule)s' asks you to look at ticket #%(number)s: %(subject)s") % {
        "rule": rule, "number": ticket.id, "subject": ticket.subject}]
    if note:
        lines.append(note)
    lines.append(f"{base_url.rstrip('/')}/agent/tickets/{ticket.id}")
    subject = t("Rule '%(rule)s': [#%(number)s] %(subject)s") % {
        "rule": rule, "number": ticket.id, "subject": ticket.subject}
    return Notice(subject=subject, text="\n\n".join(lines) + "\n")
