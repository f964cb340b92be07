"""A solved ticket schedules its satisfaction survey (sent later by `send_due_surveys`); a low
answer notifies the agent and the supervisors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import SurveyAnswered, TicketSolved, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(TicketSolved)
def schedule_survey(ctx: JobContext, event: TicketSolved) -> None:
    from desk.actions.surveys.scheduling import schedule_survey as schedule
    from desk.db import commit
    from desk.queries.surveys.settings import survey_settings

    with ctx.db.session() as session:
        # A rule's solve the admin keeps from surveys: the solve's row is still written (the
        # reports count solves by it), skipped.
        ruled_out = event.by_rule and not survey_settings(session, ctx.db.settings).rule_solves
        schedule(session, ctx.db.settings, event.ticket_id,
                 skip_reason="solved_by_rule" if ruled_out else "")
        commit(session)


@handles(SurveyAnswered)
def alert_low_rating(ctx: JobContext, event: SurveyAnswered) -> None:
    """The admin's low-rating threshold or lower: what the admin chose happens (the agent and
    the supervisors hear of it; the ticket reopens)."""
    from desk.actions.surveys.alerts import notify_low_rating, reopen_on_low_rating
    from desk.queries.surveys.settings import survey_settings

    with ctx.db.session() as session:
        chosen = survey_settings(session, ctx.db.settings)
        if chosen.low_notifies:
            notify_low_rating(session, event.survey_id, chosen.low_rating)
        if chosen.low_reopens:
            reopen_on_low_rating(session, event.survey_id, chosen.low_rating)
