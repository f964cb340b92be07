"""Macros an agent may use or change, and a macro's reply filled in for one ticket."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from desk.i18n import normalise
from desk.macro_text import article_ids, fill
from desk.models import Article, Customer, Macro, Role, TeamMembership, Ticket, User
from desk.queries.errors import Forbidden, NotFound


def _teams(session: Session, user: User) -> list[int]:
    return list(session.exec(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))


def usable_macros(session: Session, user: User) -> list[Macro]:
    """The user's own macros, those shared with everyone and those shared with their teams;
    supervisors and admins see every shared macro (they manage them)."""
    shared: ColumnElement[bool] = col(Macro.owner_id).is_(None)
    if user.role not in (Role.supervisor, Role.admin):
        shared = and_(shared, or_(col(Macro.team_id).is_(None),
                                  col(Macro.team_id).in_(_teams(session, user))))
    query = select(Macro).where(or_(col(Macro.owner_id) == user.id, shared))
    return list(session.exec(query.order_by(col(Macro.name), col(Macro.id))))


def may_edit(user: User, macro: Macro) -> bool:
    """Personal macros are their owner's; shared ones are managed by supervisors and admins."""
    if macro.owner_id is not None:
        return macro.owner_id == user.id
    return user.role in (Role.supervisor, Role.admin)


def access_macro(session: Session, user: User, macro_id: int) -> Macro:
    """A macro ``user`` may apply."""
    macro = session.get(Macro, macro_id)
    if macro is None:
        raise NotFound(macro_id)
    if macro.id not in {m.id for m in usable_macros(session, user)}:
        raise Forbidden(macro_id)
    return macro


def editable_macro(session: Session, user: User, macro_id: int) -> Macro:
    macro = session.get(Macro, macro_id)
    if macro is None:
        raise NotFound(macro_id)
    if not may_edit(user, macro):
        raise Forbidden(macro_id)
    return macro


def macro_text_for(macro: Macro, locale: str) -> str:
    """The text in the customer's language, else the one there is."""
    chinese = normalise(locale) == "zh_CN"
    first, second = (macro.text_zh, macro.text_en) if chinese else (macro.text_en, macro.text_zh)
    return first or second


def article_link(base_url: str, article: Article) -> str:
    # The address desk.web.kb.help.article_url gives, made absolute for a mail.
    return f"{base_url.rstrip('/')}/help/articles/{article.id}-{quote(article.slug, safe='')}"


@dataclass(frozen=True)
class FillContext:
    """What a macro's placeholders are filled from, read once per ticket."""

    ticket: Ticket
    customer: Customer | None
    agent: User
    base_url: str


def filled_text(session: Session, macro: Macro, ctx: FillContext) -> str:
    """The macro's text for this ticket: its customer's language, placeholders filled."""
    customer = ctx.customer
    text = macro_text_for(macro, customer.locale if customer else "en")
    values = {
        "customer.name": (customer.name or customer.email) if customer else "",
        "customer.email": customer.email if customer else "",
        "ticket.number": str(ctx.ticket.id),
        "ticket.subject": ctx.ticket.subject,
        "agent.name": ctx.agent.name,
    }
    ids = article_ids(text)
    articles = {}
    if ids:
        for article in session.exec(select(Article).where(col(Article.id).in_(ids))):
            assert article.id is not None
            articles[article.id] = f"{article.title}: {article_link(ctx.base_url, article)}"
    return fill(text, values, articles)


def fill_context(session: Session, ticket: Ticket, agent: User, base_url: str) -> FillContext:
    return FillContext(ticket, session.get(Customer, ticket.customer_id), agent, base_url)


@dataclass(frozen=True)
class MacroActions:
    """What applying a macro changes besides the reply: ``fields`` for `update_ticket`
    (status, assignee_id) and tags added to those the ticket has."""

    fields: dict[str, object]
    add_tags: tuple[str, ...]


def macro_actions(macro: Macro, agent: User) -> MacroActions:
    fields: dict[str, object] = {}
    if macro.set_status:
        fields["status"] = macro.set_status
    if macro.assignee == "me":
        fields["assignee_id"] = agent.id
    elif macro.assignee == "none":
        fields["assignee_id"] = None
    elif macro.assignee.isdigit():
        fields["assignee_id"] = int(macro.assignee)
    return MacroActions(fields, tuple(t for t in macro.add_tags.split() if t))


@dataclass(frozen=True)
class MacroForTicket:
    """A macro filled in for one ticket: what the reply box gets."""

    macro_id: int
    text: str
    status: str


def macro_for_ticket(session: Session, user: User, ticket: Ticket, macro_id: int,
                     base_url: str) -> MacroForTicket:
    """``macro_id`` as ``user`` would apply it to ``ticket`` (NotFound/Forbidden when they
    may not use it)."""
    macro = access_macro(session, user, macro_id)
    assert macro.id is not None
    text = filled_text(session, macro, fill_context(session, ticket, user, base_url))
    status = macro_actions(macro, user).fields.get("status", "")
    return MacroForTicket(macro.id, text, str(status))


def macro_actions_for(session: Session, user: User, raw_id: object) -> MacroActions | None:
    """The actions of the macro a reply form names (``macro_id``), None when it names none
    or one ``user`` may not use (any more)."""
    if not (isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit()
            and 0 < int(raw_id) < 2**31):
        return None
    try:
        return macro_actions(access_macro(session, user, int(raw_id)), user)
    except (NotFound, Forbidden):
        return None
