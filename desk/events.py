"""What happened: typed events that actions record, and the registry of who handles them.

An action records its events in the transaction of its change (`desk.actions.jobs.publish`):
one job row per subscribed handler, with the event's fields as the job's JSON arguments. The
job runs after the commit (and never after a rollback: the row goes with it), is retried on
failure, and never undoes the change. Handlers subscribe in their own module, one line each:

    @handles(CustomerReplied)
    def notify_customer_replied(ctx: JobContext, event: CustomerReplied) -> None: ...

`desk.handlers` imports every handler module; a process that records events loads it first
(the web app, the worker and the `desk` command do)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar


@dataclass(frozen=True)
class TicketCreated:
    ticket_id: int
    channel: str
    customer_id: int


@dataclass(frozen=True)
class CustomerReplied:
    ticket_id: int
    message_id: int
    channel: str = ""


@dataclass(frozen=True)
class AgentReplied:
    ticket_id: int
    message_id: int
    outbound_id: int | None
    internal: bool = False


@dataclass(frozen=True)
class TicketUpdated:
    """Fields of a ticket changed: each one's value before and after. `chain`: the routing
    rules whose firings led to this change, in order (empty: a person's or the system's own
    change), so rules on ticket updates never set each other off without end."""

    ticket_id: int
    changes: dict[str, list[Any]]
    chain: list[int] = field(default_factory=list)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.changes)


@dataclass(frozen=True)
class TicketSolved:
    """`by_rule`: a routing rule set the status (the admin decides whether such a solve gets
    a survey); False for a person's solve."""

    ticket_id: int
    by_rule: bool = False


@dataclass(frozen=True)
class MailQueued:
    """A mail waits in the outbox (a reply, an acknowledgement, a resend)."""

    outbound_id: int


@dataclass(frozen=True)
class ArticlesChanged:
    """Knowledge-base articles were added, changed, or stopped being public."""

    article_ids: list[int]


@dataclass(frozen=True)
class CustomerChanged:
    """A customer record changed: each field's value before and after."""

    customer_id: int
    changes: dict[str, list[Any]]


@dataclass(frozen=True)
class SurveyAnswered:
    """A customer submitted (or changed) their satisfaction answer; `previous` is the rating
    it replaced (None the first time)."""

    survey_id: int
    ticket_id: int
    rating: int
    previous: int | None = None


Event = (TicketCreated | CustomerReplied | AgentReplied | TicketUpdated | TicketSolved
         | MailQueued | ArticlesChanged | CustomerChanged | SurveyAnswered)
EVENT_TYPES: tuple[type[Any], ...] = (TicketCreated, CustomerReplied, AgentReplied, TicketUpdated,
                                      TicketSolved, MailQueued, ArticlesChanged, CustomerChanged,
                                      SurveyAnswered)

E = TypeVar("E")
Handler = Callable[[Any, Any], None]
Guard = Callable[[Any], bool]
# Asked once per recording transaction, with its session: whether the handler has anything to
# act on at all (an enabled rule on this event, an SLA policy). No: no job for any event.
Need = Callable[[Any], bool]
# Called by `publish` in the recording transaction with (session, events): for work that must
# be written with the change itself (a webhook delivery per subscription: the outbox).
Recorder = Callable[[Any, list[Any]], None]


@dataclass(frozen=True)
class Subscription:
    name: str  # the job's name: the handler function's name
    event_type: type[Any]
    handler: Handler
    when: Guard | None = None  # decided when the event is recorded: no job when it says no
    needs: Need | None = None


@dataclass
class Registry:
    by_type: dict[type[Any], list[Subscription]] = field(default_factory=dict)
    by_name: dict[str, Subscription] = field(default_factory=dict)
    recorders: list[Recorder] = field(default_factory=list)
    loaded: bool = False  # set by desk.handlers once every handler module is imported

    def subscribe(self, event_type: type[Any], handler: Handler, when: Guard | None = None,
                  needs: Need | None = None) -> None:
        name = handler.__name__
        if name in self.by_name:
            raise ValueError(f"a handler named {name!r} is already subscribed")
        subscription = Subscription(name, event_type, handler, when, needs)
        self.by_name[name] = subscription
        self.by_type.setdefault(event_type, []).append(subscription)

    def jobs_for(self, event: Event, session: Any = None,
                 needed: dict[Need, bool] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The jobs an event starts: (handler name, JSON arguments) per subscription. With a
        session, a subscription's `needs` is asked (once per `needed`, the caller's memo for
        one transaction) and says whether it gets a job at all."""
        if not self.loaded:
            raise RuntimeError("no event handlers are loaded: import desk.handlers first")
        jobs = []
        for s in self.by_type.get(type(event), ()):
            if s.when is not None and not s.when(event):
                continue
            if s.needs is not None and session is not None:
                memo = needed if needed is not None else {}
                if s.needs not in memo:
                    memo[s.needs] = s.needs(session)
                if not memo[s.needs]:
                    continue
            jobs.append((s.name, payload(event)))
        return jobs

    def run(self, name: str, ctx: Any, args: dict[str, Any]) -> None:
        """Run handler `name` on the event rebuilt from a job's arguments."""
        subscription = self.by_name[name]
        subscription.handler(ctx, subscription.event_type(**args))


REGISTRY = Registry()


def handles(event_type: type[E], when: Callable[[E], bool] | None = None, needs: Need | None = None,
            ) -> Callable[[Callable[[Any, E], None]], Callable[[Any, E], None]]:
    """Subscribe the decorated function to `event_type` (optionally only when `when` holds for
    the event, and only when `needs` holds for the recording transaction's session)."""
    def register(handler: Callable[[Any, E], None]) -> Callable[[Any, E], None]:
        REGISTRY.subscribe(event_type, handler, when, needs)
        return handler
    return register


def records(recorder: Recorder) -> Recorder:
    """Call the decorated `recorder(session, events)` in every transaction that records events."""
    REGISTRY.recorders.append(recorder)
    return recorder


_FIELDS: dict[type[Any], tuple[str, ...]] = {}
_SCALARS = (int, str, bool, float, type(None))


def payload(event: Event) -> dict[str, Any]:
    """The event as JSON-ready job arguments (a copy: the event's lists and dicts are not shared)."""
    names = _FIELDS.get(type(event))
    if names is None:
        names = _FIELDS[type(event)] = tuple(f.name for f in fields(event))  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(event, name)
        if isinstance(value, tuple):
            value = list(value)
        out[name] = value if isinstance(value, _SCALARS) else copy.deepcopy(value)
    return out
