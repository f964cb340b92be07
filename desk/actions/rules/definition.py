"""What a rule is, as a JSON document (the API's body, the database's columns), and the
checks that refuse a rule that could not run.

    {"name": "VIP refunds to Billing", "enabled": true, "events": ["ticket_created"],
     "conditions": {"match": "all", "items": [
         {"field": "tier", "op": "is", "value": "vip"},
         {"match": "any", "items": [{"field": "subject", "op": "any_words", "value": "refund 退款"},
                                    {"field": "body", "op": "regex", "value": "order #?\\\\d{6}"}]}]},
     "actions": [{"type": "set_team", "value": 2}, {"type": "set_priority", "value": "high"},
                 {"type": "assign", "value": "round_robin"}, {"type": "stop"}]}

Conditions nest one level: a group's items are conditions or groups of conditions.

Custom fields: a condition's field `ticket_field:<key>` reads the ticket's custom field of that
key, `customer_field:<key>` the customer's (text tests compare the value as text, "" when it has
none; at_least and at_most compare numbers); the action `{"type": "set_field", "value": {"key":
"plan", "value": "gold"}}` sets a ticket field (checked against its kind and options). A key
that names no field is refused when saved, and a rule whose field was deleted is skipped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import regex

from desk.actions.rules.expressions import regex_problem
from desk.actions.rules.messages import notify_problem, reply_problem
from desk.actions.tickets.fields import field_value
from desk.i18n import _
from desk.models import Priority, Status

EVENTS = ("ticket_created", "customer_replied", "ticket_updated", "agent_replied", "chat_started",
          "survey_answered", "scheduled")
# Conditions on time, only in rules on the scheduled pass, at the top of an "all" group: the
# pass selects the tickets each holds for with indexed SQL. Value: a number and m, h or d.
TIME_FIELDS = ("pending_for", "unassigned_for", "no_agent_reply_for")
TIME_OPS = ("at_least",)
# The survey's rating (1 to 5), known only in rules on "survey_answered".
RATING_OPS = ("is", "at_most", "at_least")
_TIME_VALUE = regex.compile(r"([1-9][0-9]{0,4})([mhd])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
# field -> the operators it takes
TEXT_FIELDS = ("subject", "body", "sender", "sender_domain", "organization")
TEXT_OPS = ("contains", "not_contains", "any_words", "regex", "is", "is_not")
CHOICE_FIELDS = ("channel", "mailbox", "tier", "status", "priority", "team", "assignee", "language")
CHOICE_OPS = ("is", "is_not")
TAG_OPS = ("has", "has_not")
# Whether the event happened within the business hours of the ticket's SLA calendar (the
# default policy's when the ticket has none; Monday to Friday 9-18 UTC without any policy).
HOURS_OPS = ("is",)
HOURS_VALUES = ("yes", "no")
FIELDS = (*TEXT_FIELDS, *CHOICE_FIELDS, "tags", *TIME_FIELDS, "rating", "business_hours")
# Custom fields: "ticket_field:<key>", "customer_field:<key>".
CUSTOM_PREFIXES = ("ticket_field:", "customer_field:")
CUSTOM_OPS = (*TEXT_OPS, "at_least", "at_most")
ACTIONS = ("set_team", "set_priority", "set_status", "add_tags", "set_field", "assign", "set_sla",
           "reply", "notify", "stop")
STRATEGIES = ("round_robin", "least_loaded", "by_skill")
MAX_ITEMS = 20
MAX_ACTIONS = 10
MAX_TEXT = 1000


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Group:
    match: str  # all, any
    items: tuple[Condition | Group, ...] = ()


@dataclass(frozen=True)
class Action:
    type: str
    value: Any = None


@dataclass(frozen=True)
class RuleSpec:
    name: str
    enabled: bool = True
    events: tuple[str, ...] = ("ticket_created",)
    conditions: Group = Group("all")
    actions: tuple[Action, ...] = ()


@dataclass
class RuleError(ValueError):
    """The rule cannot be saved: the reason for each field ("name", "conditions.1.value",
    "actions.0.value", ...)."""

    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{where}: {why}" for where, why in self.errors.items())


class FieldSpec(NamedTuple):
    """A ticket custom field as rules know it."""

    key: str
    kind: str  # text, number, choice
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Known:
    """What a rule may name: the desk's teams and active agents (by id), SLA policies, and
    the custom fields of tickets and (by key) of customers."""

    teams: Collection[int] = ()
    agents: Collection[int] = ()
    policies: Collection[int] = ()  # SLA policies
    ticket_fields: tuple[FieldSpec, ...] = ()
    customer_fields: Collection[str] = ()


def parse_rule(doc: Mapping[str, Any], known: Known) -> RuleSpec:
    """The rule a JSON document describes; RuleError naming every problem."""
    errors: dict[str, str] = {}
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = _("A rule needs a name.")
    elif len(name) > 200:
        errors["name"] = _("At most 200 characters.")
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        errors["enabled"] = _("Either on or off.")
    events = doc.get("events", ["ticket_created"])
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        errors["events"] = _("Choose when the rule runs: on one or more ticket events, or on the "
                             "scheduled pass.")
    elif "scheduled" in events and len(set(events)) > 1:
        errors["events"] = _("A rule on the scheduled pass runs on nothing else.")
    conditions = _group(doc.get("conditions", {"match": "all", "items": []}), "conditions", errors, 0,
                        known)
    if isinstance(events, list) and "events" not in errors:
        _time_placement(conditions, "scheduled" in events, errors)
        if set(events) != {"survey_answered"} and _names(conditions) & {"rating"}:
            errors["conditions"] = _("The rating is known only when a customer answers a survey: "
                                     "run this rule on that alone.")
    actions = _actions(doc.get("actions"), known, errors)
    if errors:
        raise RuleError(errors)
    return RuleSpec(str(name).strip(), bool(enabled), tuple(dict.fromkeys(events)), conditions, actions)


def _group(doc: Any, where: str, errors: dict[str, str], depth: int, known: Known) -> Group:
    if not isinstance(doc, Mapping):
        errors[where] = _("A group of conditions: all or any of its items.")
        return Group("all")
    _no_strangers(doc, ("match", "items"), where, errors)
    match = doc.get("match", "all")
    if match not in ("all", "any"):
        errors[f"{where}.match"] = _("All or any.")
    items = doc.get("items", [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        errors[f"{where}.items"] = _("At most 20 conditions.")
        return Group("all")
    parsed: list[Condition | Group] = []
    for index, item in enumerate(items):
        here = f"{where}.{index}"
        if isinstance(item, Mapping) and "items" in item:
            if depth >= 1:
                errors[here] = _("Groups of conditions nest one level only.")
                continue
            parsed.append(_group(item, here, errors, depth + 1, known))
        else:
            condition = _condition(item, here, errors, known)
            if condition is not None:
                parsed.append(condition)
    return Group(str(match), tuple(parsed))


def _time_placement(conditions: Group, scheduled: bool, errors: dict[str, str]) -> None:
    """Time conditions belong to scheduled rules, at the top of an "all" group; a scheduled
    rule needs one (it is how the pass finds its tickets without reading every one)."""
    top = [c for c in conditions.items if isinstance(c, Condition) and c.field in TIME_FIELDS]
    nested = any(isinstance(g, Group) and any(isinstance(c, Condition) and c.field in TIME_FIELDS
                                              for c in g.items) for g in conditions.items)
    if not scheduled and (top or nested):
        errors["conditions"] = _("Conditions on time belong to rules on the scheduled pass.")
    elif scheduled and (nested or not top or conditions.match != "all"):
        errors["conditions"] = _("A rule on the scheduled pass needs a condition on time, among "
                                 "conditions that must all hold.")


def _names(group: Group) -> set[str]:
    """The fields a group's conditions look at, nested ones included."""
    out: set[str] = set()
    for item in group.items:
        out |= _names(item) if isinstance(item, Group) else {item.field}
    return out


def seconds_of(value: str) -> int:
    """A time condition's value ("30m", "1h", "3d") in seconds."""
    found = _TIME_VALUE.fullmatch(value.strip())
    assert found is not None, value
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def _condition(doc: Any, where: str, errors: dict[str, str], known: Known) -> Condition | None:
    if not isinstance(doc, Mapping):
        errors[where] = _("A condition names a field, a test and a value.")
        return None
    _no_strangers(doc, ("field", "op", "value"), where, errors)
    name, op, value = doc.get("field"), doc.get("op"), doc.get("value", "")
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIXES):
        return _custom_condition(name, op, value, where, errors, known)
    if name not in FIELDS:
        errors[f"{where}.field"] = _("Choose what the condition looks at.")
        return None
    ops = (TEXT_OPS if name in TEXT_FIELDS else TAG_OPS if name == "tags" else TIME_OPS
           if name in TIME_FIELDS else RATING_OPS if name == "rating" else HOURS_OPS
           if name == "business_hours" else CHOICE_OPS)
    if op not in ops:
        errors[f"{where}.op"] = _("This test does not apply to this field.")
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        errors[f"{where}.value"] = _("Text of at most 1000 characters.")
        return None
    if op in ("contains", "not_contains", "any_words", "has", "has_not") and not value.strip():
        errors[f"{where}.value"] = _("Say what to look for.")
        return None
    if op == "regex":
        problem = regex_problem(value)
        if problem:
            errors[f"{where}.value"] = problem
            return None
    if name in TIME_FIELDS and not _TIME_VALUE.fullmatch(value.strip()):
        errors[f"{where}.value"] = _("A number of minutes, hours or days, such as 30m, 4h or 3d.")
        return None
    if name == "rating" and value.strip() not in ("1", "2", "3", "4", "5"):
        errors[f"{where}.value"] = _("A rating from 1 to 5.")
        return None
    if name == "business_hours" and value not in HOURS_VALUES:
        errors[f"{where}.value"] = _("Yes or no.")
        return None
    if name == "priority" and value not in tuple(Priority):
        errors[f"{where}.value"] = _("Not a priority.")
    if name == "status" and value not in tuple(Status):
        errors[f"{where}.value"] = _("Not a status.")
    return Condition(str(name), str(op), value)


def _custom_condition(name: str, op: Any, value: Any, where: str, errors: dict[str, str],
                      known: Known) -> Condition | None:
    """A condition on a ticket's or a customer's custom field."""
    source, key = name.split(":", 1)
    keys = {f.key for f in known.ticket_fields} if source == "ticket_field" else set(known.customer_fields)
    if key not in keys:
        errors[f"{where}.field"] = (_("There is no such ticket field.") if source == "ticket_field"
                                    else _("There is no such customer field."))
        return None
    if op not in CUSTOM_OPS:
        errors[f"{where}.op"] = _("This test does not apply to this field.")
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        errors[f"{where}.value"] = _("Text of at most 1000 characters.")
        return None
    if op in ("at_least", "at_most") and number_of(value) is None:
        errors[f"{where}.value"] = _("A number.")
        return None
    if op in ("contains", "not_contains", "any_words") and not value.strip():
        errors[f"{where}.value"] = _("Say what to look for.")
        return None
    if op == "regex" and (problem := regex_problem(value)):
        errors[f"{where}.value"] = problem
        return None
    return Condition(name, str(op), value)


def number_of(value: Any) -> float | None:
    """A custom field's value as a number (None: not one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def _no_strangers(doc: Mapping[str, Any], allowed: tuple[str, ...], where: str,
                  errors: dict[str, str]) -> None:
    for key in doc:
        if key not in allowed:
            errors[f"{where}.{key}"[:200]] = _("Unknown field.")


def _actions(doc: Any, known: Known, errors: dict[str, str]) -> tuple[Action, ...]:
    if not isinstance(doc, list) or not doc or len(doc) > MAX_ACTIONS:
        errors["actions"] = _("A rule does one to ten things.")
        return ()
    actions: list[Action] = []
    for index, item in enumerate(doc):
        where = f"actions.{index}"
        kind = item.get("type") if isinstance(item, Mapping) else None
        value = item.get("value") if isinstance(item, Mapping) else None
        if isinstance(item, Mapping):
            _no_strangers(item, ("type", "value"), where, errors)
        if kind not in ACTIONS:
            errors[where] = _("Choose what the rule does.")
            continue
        problem = _action_problem(kind, value, known)
        if problem:
            errors[f"{where}.value"] = problem
            continue
        if kind == "add_tags" and isinstance(value, list):
            value = [tag.strip().lower() for tag in value if tag.strip()]
        if kind == "assign" and isinstance(value, Mapping):
            value = {"by_skill": named_skills(value)}
        if kind == "set_field" and isinstance(value, Mapping):
            value = {"key": value["key"], "value": _field_value(value, known)}
        actions.append(Action(kind, value))
    return tuple(actions)


def _action_problem(kind: str, value: Any, known: Known) -> str:
    if kind == "set_team":
        return "" if _an_id(value) and value in known.teams else _("There is no such team.")
    if kind == "set_priority":
        return "" if value in tuple(Priority) else _("Not a priority.")
    if kind == "set_sla":
        return "" if _an_id(value) and value in known.policies else _("There is no such SLA policy.")
    if kind == "set_status":
        return "" if value in tuple(Status) else _("Not a status.")
    if kind == "add_tags":
        if not isinstance(value, list) or not value or not all(isinstance(t, str) for t in value):
            return _("Name one or more tags.")
        if any(len(t.strip()) > 50 for t in value) or not any(t.strip() for t in value):
            return _("Tags of 1 to 50 characters.")
        return ""
    if kind == "assign":
        if value in STRATEGIES:
            return ""
        if _an_id(value) and value in known.agents:
            return ""
        if isinstance(value, Mapping):
            return "" if named_skills(value) else _("Name one to ten skills of 1 to 50 characters.")
        return _("An active agent, round robin, least loaded or by skill.")
    if kind == "set_field":
        if not isinstance(value, Mapping) or set(value) != {"key", "value"}:
            return _("Name a ticket field and its value.")
        if not any(f.key == value["key"] for f in known.ticket_fields):
            return _("There is no such ticket field.")
        return "" if _field_value(value, known) is not None else _("Not a value this field takes.")
    if kind == "reply":
        return reply_problem(value)
    if kind == "notify":
        return notify_problem(value, known.agents)
    return "" if value is None else _("Stop takes no value.")


def _field_value(value: Mapping[str, Any], known: Known) -> str | int | float | None:
    """The value a set_field action gives its field, in the field's type (None: not one it takes;
    clearing a field is an agent's decision, not a rule's)."""
    spec = next(f for f in known.ticket_fields if f.key == value["key"])
    typed, error = field_value(spec, value["value"])
    return None if error else typed


def _an_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def named_skills(value: Mapping[str, Any]) -> list[str]:
    """The skills of an assign-by-skill action ({"by_skill": ["zh", "refunds"]}), lower-case,
    sorted; [] when it names none or is not written that way. A skill no agent has is
    accepted: skills come and go with staff (the rule form warns)."""
    skills = value.get("by_skill") if len(value) == 1 else None
    if not isinstance(skills, list) or not 0 < len(skills) <= 10 or not all(
            isinstance(s, str) and 0 < len(s.strip()) <= 50 for s in skills):
        return []
    return sorted({s.strip().lower() for s in skills})


def to_document(spec: RuleSpec) -> dict[str, Any]:
    """The JSON document of a rule (what parse_rule reads back)."""
    return {"name": spec.name, "enabled": spec.enabled, "events": list(spec.events),
            "conditions": _group_document(spec.conditions),
            "actions": [{"type": a.type, **({"value": a.value} if a.value is not None else {})}
                        for a in spec.actions]}


def _group_document(group: Group) -> dict[str, Any]:
    return {"match": group.match, "items": [
        _group_document(item) if isinstance(item, Group)
        else {"field": item.field, "op": item.op, "value": item.value} for item in group.items]}
