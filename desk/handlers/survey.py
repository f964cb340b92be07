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

    with ctx.db.session() as session:
        schedule(session, ctx.db.settings, event.ticket_id)
        commit(session)


@handles(SurveyAnswered)
def alert_low_rating(ctx: JobContext, event: SurveyAnswered) -> None:
    """DESK_SURVEY_LOW_RATING or lower: the agent and the supervisors hear of it."""
    from desk.actions.surveys.alerts import notify_low_rating

    with ctx.db.session() as session:
        notify_low_rating(session, event.survey_id, ctx.db.settings.survey_low_rating)
