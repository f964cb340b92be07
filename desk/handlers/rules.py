"""Routing rules run on ticket events (desk.actions.rules): a new ticket, a chat started, a
customer's or an agent's reply, a change to a ticket (carrying the chain of rules that led to
it), a survey answered. The scheduled pass is the `run_time_rules` job."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from desk.events import AgentReplied, CustomerReplied, SurveyAnswered, TicketCreated, TicketUpdated, handles

if TYPE_CHECKING:
    from sqlmodel import Session

    from desk.actions.rules.effects import Services
    from desk.jobs.context import JobContext


def rules_listen(event: str) -> Callable[[Session], bool]:
    """A handler's `needs`: an enabled rule runs on `event` (else no job is written)."""
    def needs(session: Session) -> bool:
        from desk.queries.listening import rules_on

        return rules_on(session, event)
    return needs


def services(ctx: JobContext) -> Services:
    """Settings and the knowledge-base search a rule's reply links articles with."""
    from desk.actions.rules.effects import Services

    def find_articles(text: str, locale: str) -> list[tuple[str, str]]:
        from desk.kb_index import search_kb
        from desk.queries.kb.articles import published_by_id
        from desk.queries.macros import article_link

        hits = sorted(search_kb(ctx.db, ctx.db.settings, text[:500], limit=6).hits,
                      key=lambda hit: not hit.locale.lower().startswith(locale.lower()[:2]))
        with ctx.db.session() as session:
            found = published_by_id(session, [h.id for h in hits], False)
            return [(a.title, article_link(ctx.db.settings.base_url, a))
                    for a in (found.get(h.id) for h in hits) if a is not None]

    return Services(ctx.db.settings, find_articles)


def _run(ctx: JobContext, ticket_id: int, event: str, message_id: int | None = None,
         chain: list[int] | None = None, rating: int = 0) -> None:
    from desk.actions.rules.applying import run_rules

    with ctx.db.session() as session:
        run_rules(session, ticket_id, event, message_id, chain or [], services(ctx), rating)


@handles(TicketCreated, needs=rules_listen("ticket_created"))
def run_rules_on_created(ctx: JobContext, event: TicketCreated) -> None:
    _run(ctx, event.ticket_id, "ticket_created")


@handles(TicketCreated, when=lambda event: event.channel == "chat",
         needs=rules_listen("chat_started"))
def run_rules_on_chat_started(ctx: JobContext, event: TicketCreated) -> None:
    _run(ctx, event.ticket_id, "chat_started")


@handles(CustomerReplied, needs=rules_listen("customer_replied"))
def run_rules_on_reply(ctx: JobContext, event: CustomerReplied) -> None:
    _run(ctx, event.ticket_id, "customer_replied", event.message_id)


@handles(AgentReplied, needs=rules_listen("agent_replied"))
def run_rules_on_agent_reply(ctx: JobContext, event: AgentReplied) -> None:
    _run(ctx, event.ticket_id, "agent_replied", event.message_id)


@handles(TicketUpdated, needs=rules_listen("ticket_updated"))
def run_rules_on_update(ctx: JobContext, event: TicketUpdated) -> None:
    _run(ctx, event.ticket_id, "ticket_updated", chain=event.chain)


@handles(SurveyAnswered, needs=rules_listen("survey_answered"))
def run_rules_on_survey(ctx: JobContext, event: SurveyAnswered) -> None:
    _run(ctx, event.ticket_id, "survey_answered", rating=event.rating)
