"""A solved ticket schedules its satisfaction survey (sent later by `send_due_surveys`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import TicketSolved, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(TicketSolved)
def schedule_survey(ctx: JobContext, event: TicketSolved) -> None:
    from desk.actions.surveys.scheduling import schedule_survey as schedule
    from desk.db import commit

    with ctx.db.session() as session:
        schedule(session, ctx.db.settings, event.ticket_id)
        commit(session)
