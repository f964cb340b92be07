"""The demo's tickets, each told through the real actions over days or weeks.

A plan says what a ticket should end up as (status, language, story, customer,
channel, age); a ``Teller`` plays the steps that lead there: the customer's
request, routing, assignment, replies, notes, follow-ups and status changes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from channels.message import Identity, InboundAttachment, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.demo.clock import DemoClock
from desk.demo.people import Cast, Person
from desk.demo.stories import Lines, Story
from desk.demo.stories_en import LINES as ENGLISH
from desk.demo.stories_zh import LINES as CHINESE
from desk.models import Channel, Priority, Status, Ticket, Tier, User
from desk.settings import Settings

STATUS_COUNTS = {
    Status.new: 24, Status.open: 44, Status.pending: 26,
    Status.on_hold: 14, Status.solved: 44, Status.closed: 48,
}
# How long ago tickets that end in each status were opened, in days.
AGE_DAYS = {
    Status.new: (0.02, 3), Status.open: (0.1, 12), Status.pending: (0.5, 15),
    Status.on_hold: (2, 25), Status.solved: (1, 35), Status.closed: (8, 58),
}
# How many tickets of a status have an assignee (the rest: 95 in 100).
ASSIGNED_SHARE: dict[str, float] = {Status.new: 0.2, Status.open: 0.85}
CHANNEL_WEIGHTS = {Channel.web: 40, Channel.email: 40, Channel.api: 10, Channel.chat: 10}
CHINESE_SHARE = 0.4
PRIORITIES = (Priority.low, Priority.normal, Priority.high, Priority.urgent)

Gap = tuple[float, float]  # hours after the previous step, at least and at most
Step = tuple[Gap, Callable[[], Any]]


@dataclass(frozen=True)
class TicketPlan:
    status: str
    lines: Lines
    story: Story
    person: Person
    channel: str
    created: datetime
    number: str  # fills {n}: invoice and order numbers


def plan_tickets(rng: random.Random, people: list[Person], now: datetime) -> list[TicketPlan]:
    """Every demo ticket, oldest first, so ticket numbers grow with time."""
    by_locale = {
        lines.locale: [p for p in people if p.locale == lines.locale]
        for lines in (ENGLISH, CHINESE)
    }
    plans = []
    for status, count in STATUS_COUNTS.items():
        for _ in range(count):
            lines = CHINESE if rng.random() < CHINESE_SHARE else ENGLISH
            low, high = AGE_DAYS[status]
            plans.append(TicketPlan(
                status=status,
                lines=lines,
                story=rng.choice(lines.stories),
                person=rng.choice(by_locale[lines.locale]),
                channel=rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0],
                created=now - timedelta(days=rng.uniform(low, high)),
                number=str(rng.randint(1000, 9999)),
            ))
    return sorted(plans, key=lambda plan: plan.created)


class Teller:
    """Plays one plan through the actions; each method is one step of the story."""

    def __init__(self, session: Session, settings: Settings, cast: Cast, rng: random.Random,
                 plan: TicketPlan) -> None:
        self.session = session
        self.settings = settings
        self.cast = cast
        self.rng = rng
        self.plan = plan
        self.agent: User = rng.choice(cast.agents(plan.story.team, plan.person.locale))
        self.ticket: Ticket | None = None
        customer = plan.person.customer
        self.values = {
            "first": plan.person.greeting, "n": plan.number,
            "domain": customer.email.rpartition("@")[2], "company": plan.person.company,
        }

    def text(self, template: str) -> str:
        return template.format(**self.values)

    @property
    def current(self) -> Ticket:
        assert self.ticket is not None, "the customer's request comes first"
        return self.ticket

    def open(self, index: int) -> None:
        story, person = self.plan.story, self.plan.person
        attachments: tuple[InboundAttachment, ...] = ()
        if story.sample is not None and self.rng.random() < 0.6:
            sample = story.sample
            attachments = (InboundAttachment(sample.filename, sample.content_type, sample.data),)
        domain = self.values["domain"]
        inbound = InboundMessage(
            channel=self.plan.channel,
            sender=Identity("email", person.customer.email, person.customer.name),
            subject=self.text(story.subject),
            text=self.text(story.body),
            thread=ThreadKeys(
                message_id=f"<demo-{index}@{domain}>" if self.plan.channel == Channel.email else ""),
            attachments=attachments,
            locale=person.locale,
        )
        self.ticket, _events = ingest_message(self.session, self.settings, inbound)

    def route(self, to_team: bool) -> None:
        """What routing rules would do: team, priority and tags, as the system."""
        changes: dict[str, Any] = {"priority": self._priority()}
        if to_team:
            changes["team_id"] = self.cast.teams[self.plan.story.team].id
        tags = list(self.plan.story.tags)
        if self.plan.person.customer.tier == Tier.vip and self.rng.random() < 0.35:
            tags.append("vip")
        update_ticket(self.session, SYSTEM, self.current, changes, tags=sorted(set(tags)))

    def _priority(self) -> str:
        level = PRIORITIES.index(Priority(self.plan.story.priority))
        roll = self.rng.random()
        level += -1 if roll < 0.15 else 1 if roll > 0.85 else 0
        return PRIORITIES[min(max(level, 0), len(PRIORITIES) - 1)]

    def assign(self) -> None:
        by = self.cast.supervisor if self.rng.random() < 0.4 else self.agent
        update_ticket(self.session, Actor.of_user(by), self.current,
                      {"assignee_id": self.agent.id})

    def reply(self, template: str) -> None:
        add_agent_reply(self.session, self.settings, Actor.of_user(self.agent), self.agent,
                        self.current, self.text(template), internal=False)

    def note(self, template: str) -> None:
        add_agent_reply(self.session, self.settings, Actor.of_user(self.agent), self.agent,
                        self.current, self.text(template), internal=True)

    def customer_writes(self, template: str) -> None:
        add_customer_reply(self.session, self.settings, self.current,
                           self.plan.person.customer, self.text(template),
                           channel=self.current.channel)

    def set_status(self, status: str) -> None:
        update_ticket(self.session, Actor.of_user(self.agent), self.current, {"status": status})


def steps_for(t: Teller, rng: random.Random) -> list[Step]:
    """The steps after the request that bring a ticket to its planned status."""
    story, lines, status = t.plan.story, t.plan.lines, t.plan.status
    steps: list[Step] = []
    routed = rng.random() < (0.5 if status == Status.new else 0.85)
    if routed or rng.random() < 0.5:
        steps.append(((0.0, 0.2), partial(t.route, routed)))
    if rng.random() < ASSIGNED_SHARE.get(status, 0.95):
        steps.append(((0.1, 4), t.assign))
    if status == Status.new:
        if rng.random() < 0.15:
            steps.append(((0.5, 5), partial(t.note, story.note)))
        if rng.random() < 0.3:
            steps.append(((2, 30), partial(t.customer_writes, rng.choice(lines.nudges))))
        return steps
    if status == Status.open and rng.random() < 0.12:
        # Taken on and looked into, not answered yet.
        return [*steps, ((0.2, 3), partial(t.set_status, Status.open)),
                ((0.1, 1), partial(t.note, story.note))]
    if status in (Status.solved, Status.closed):
        steps += _solving(t, rng)
        if status == Status.closed:
            steps.append(((48, 160), partial(t.set_status, Status.closed)))
        return steps
    if status == Status.open and rng.random() < 0.15:
        # Solved, then the customer wrote again, which reopens it.
        return [*steps, *_solving(t, rng),
                ((6, 72), partial(t.customer_writes, rng.choice(lines.reopenings)))]
    steps.append(((0.3, 10), partial(t.reply, story.reply)))
    if status == Status.open:
        if rng.random() < 0.6:
            steps.append(((1, 30), partial(t.customer_writes, story.follow_up)))
            if rng.random() < 0.4:
                steps.append(((0.2, 4), partial(t.note, story.note)))
        return steps
    if status == Status.pending:
        if rng.random() < 0.3:
            steps.append(((0.1, 2), partial(t.note, story.note)))
        return [*steps, ((0.0, 0.05), partial(t.set_status, Status.pending))]
    if rng.random() < 0.5:
        steps.append(((1, 30), partial(t.customer_writes, story.follow_up)))
    return [*steps, ((0.2, 4), partial(t.note, story.note)),
            ((0.1, 2), partial(t.note, lines.hold_notes[story.team])),
            ((0.0, 0.05), partial(t.set_status, Status.on_hold))]


def _solving(t: Teller, rng: random.Random) -> list[Step]:
    """Answered (after a question and its answer, most of the time) and marked solved."""
    story = t.plan.story
    steps: list[Step] = []
    if rng.random() < 0.6:
        steps.append(((0.3, 10), partial(t.reply, story.reply)))
        steps.append(((1, 30), partial(t.customer_writes, story.follow_up)))
        if rng.random() < 0.4:
            steps.append(((0.2, 4), partial(t.note, story.note)))
    steps.append(((0.3, 10), partial(t.reply, story.resolution)))
    steps.append(((0.0, 0.05), partial(t.set_status, Status.solved)))
    return steps


def tell(session: Session, settings: Settings, clock: DemoClock, cast: Cast,
         rng: random.Random, plans: list[TicketPlan]) -> None:
    latest = clock.real_now - timedelta(minutes=2)
    for index, plan in enumerate(plans, start=1):
        teller = Teller(session, settings, cast, rng, plan)
        with clock.at(plan.created):
            teller.open(index)
        steps = steps_for(teller, rng)
        times = step_times(rng, plan.created, latest, steps)
        for when, (_gap, act) in zip(times, steps, strict=True):
            with clock.at(when):
                act()


def step_times(rng: random.Random, start: datetime, latest: datetime,
               steps: list[Step]) -> list[datetime]:
    """When each step happens: its gap after the one before, squeezed to end by ``latest``."""
    offsets, total = [], 0.0
    for (low, high), _act in steps:
        total += rng.uniform(low, high)
        offsets.append(total)
    # Squeezed stories end somewhere in the last stretch, not all at the same moment.
    room = max((latest - start).total_seconds() / 3600, 0.0) * rng.uniform(0.7, 1.0)
    scale = min(1.0, room / total) if total else 1.0
    return [start + timedelta(hours=offset * scale) for offset in offsets]
