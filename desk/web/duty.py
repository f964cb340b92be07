"""The duty and cover forms' input, shared by My account and an admin's staff page (their
posts in desk.web.duty_pages; the checks in desk.actions.duty), and what templates ask of
duty: the forms' contents, the top bar's effective state."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request

from desk.models import Cover, User
from desk.queries.duty import DAYS, Duty, DutyView, covering, duty_view, open_counts, state_of, states
from desk.web.ids import MAX_ID

# Where a refused form keeps its reason and the cover as typed, for the page shown again.
DUTY_ERROR = "desk.duty_error"
COVER_TYPED = "desk.cover_typed"


@dataclass(frozen=True)
class DutyInput:
    capacity: str
    skills: str
    time_zone: str
    hours: list[tuple[str, str]]


@dataclass(frozen=True)
class CoverInput:
    """As typed, to show again beside a refusal."""

    delegate: str
    starts: str
    ends: str

    @property
    def delegate_id(self) -> int:
        """The chosen colleague's id; 0 (nobody) for anything else."""
        raw = self.delegate
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID else 0


def duty_input(form: FormData) -> DutyInput:
    def text(name: str, limit: int) -> str:
        return str(form.get(name, ""))[:limit]

    return DutyInput(text("capacity", 20), text("skills", 1000), text("time_zone", 64),
                     [(text(f"start{d}", 5), text(f"end{d}", 5)) for d in range(DAYS)])


def cover_input(form: FormData) -> CoverInput:
    return CoverInput(*(str(form.get(name, ""))[:40] for name in ("delegate", "starts", "ends")))


def duty_for(request: Request, member: User) -> DutyView:
    """The duty forms' contents for `member` (templates/admin/_duty_forms.html)."""
    with request.app.state.db.session() as session:
        return duty_view(session, member)


def availability_now(request: Request) -> Duty | None:
    """The signed-in staff member's effective state, for the top bar."""
    user = request.scope.get("desk.user")
    if user is None or user.id is None:
        return None
    with request.app.state.db.session() as session:
        return state_of(session, user)


def covering_now(request: Request) -> list[tuple[Cover, User, int]]:
    """The covers the signed-in agent runs now, with how many open tickets each covered
    colleague has, for the queue's side bar."""
    user = request.scope.get("desk.user")
    if user is None or user.id is None:
        return []
    with request.app.state.db.session() as session:
        covers = covering(session, user.id)
        counts = open_counts(session, [c.user_id for c, _who in covers])
    return [(c, who, counts.get(c.user_id, 0)) for c, who in covers]


def states_now(request: Request, users: list[User]) -> dict[int, Duty]:
    """Each listed staff member's effective state, for the staff list."""
    with request.app.state.db.session() as session:
        return states(session, users)
