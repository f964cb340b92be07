"""The daily roll-up behind the service report: a long history is made over several runs
(each at most 45 days, so no job outlasts the runner's patience), and each run makes the
last month again, where a day's figures can still change."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from desk.actions.reports.rollup import MAX_DAYS_PER_RUN, REDO_DAYS, roll_up_reports
from desk.db import Database, commit
from desk.models import ReportDay, Ticket
from desk.models.base import now
from desk.settings import Settings
from tests.desk.surveys.helpers import mailed_ticket


def test_a_long_history_is_made_over_several_runs_and_the_last_week_again(
    db: Database, settings: Settings,
) -> None:
    old = mailed_ticket(db, settings, email="old@example.com")
    mailed_ticket(db, settings, email="new@example.com")
    with db.session() as session:
        ticket = session.get(Ticket, old)
        assert ticket is not None
        ticket.created_at = now() - timedelta(days=100)
        session.add(ticket)
        commit(session)
    runs = []
    with db.session() as session:
        more = True
        while more:
            made, more = roll_up_reports(session)
            runs.append(made)
        assert len(runs[0]) == MAX_DAYS_PER_RUN and runs[-1][-1] == now().date()
        assert runs[1][0] == runs[0][-1] + timedelta(days=1)  # no day made twice meanwhile
        created = session.exec(select(func.sum(ReportDay.created))).one()
        assert created == 2  # each ticket counted once, on the day it came in
        again, more = roll_up_reports(session)
        assert not more and len(again) == REDO_DAYS + 1
