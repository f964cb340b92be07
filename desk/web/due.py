"""How long until an SLA due time, as the queue and the ticket page say it in the page's
language ("in 2 h", "overdue 15 min", "in 3 d") with the colour it is shown in: ok, soon
(within the hour) or overdue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from desk.i18n import _
from desk.models.base import aware

SOON = timedelta(hours=1)


@dataclass(frozen=True)
class TimeLeft:
    text: str
    state: str  # "ok", "soon" or "overdue": the CSS class due-<state>


def _amount(span: timedelta, translate: Callable[..., str]) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return translate(_("%(count)s min"), count=str(max(minutes, 1)))
    if minutes < 48 * 60:
        return translate(_("%(count)s h"), count=str(minutes // 60))
    return translate(_("%(count)s d"), count=str(minutes // (24 * 60)))


def time_left(due: datetime, moment: datetime,
              translate: Callable[..., str] = lambda m, **p: m % p) -> TimeLeft:
    """The time from `moment` to `due` for a person; ``translate`` is the page's gettext."""
    left = aware(due) - moment
    if left < timedelta():
        return TimeLeft(translate(_("overdue %(time)s"), time=_amount(-left, translate)), "overdue")
    return TimeLeft(translate(_("in %(time)s"), time=_amount(left, translate)),
                    "soon" if left <= SOON else "ok")
