"""Writing rules: create, change, switch, reorder, delete; each recorded with who and when."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from desk.actions.audit import Actor, record
from desk.actions.rules.applying import known_names
from desk.actions.rules.definition import Known, RuleSpec, parse_rule, to_document
from desk.actions.rules.scheduled import book_pass
from desk.db import commit
from desk.models import Rule, RuleTimeFiring
from desk.models.base import now
from desk.queries.rules import list_rules


def known(session: Session) -> Known:
    return known_names(session)


def create_rule(session: Session, actor: Actor, doc: Mapping[str, Any]) -> Rule:
    """A new rule, last in the order (RuleError when it could not run)."""
    spec = parse_rule(doc, known(session))
    rules = list_rules(session)
    rule = Rule(name=spec.name, position=(rules[-1].position + 1) if rules else 1)
    _write(rule, spec)
    session.add(rule)
    session.flush()
    assert rule.id is not None
    record(session, actor, "rule", rule.id, "created", {"rule": [None, to_document(spec)]})
    _book(session, spec)
    commit(session)
    return rule


def update_rule(session: Session, actor: Actor, rule: Rule, doc: Mapping[str, Any]) -> Rule:
    """The rule as `doc` says (fields missing from `doc` keep their value)."""
    assert rule.id is not None
    before = document(rule)
    spec = parse_rule({**before, **doc}, known(session))
    _write(rule, spec)
    rule.updated_at = now()
    session.add(rule)
    record(session, actor, "rule", rule.id, "updated", {"rule": [before, to_document(spec)]})
    _book(session, spec)
    commit(session)
    return rule


def move_rule(session: Session, actor: Actor, rule: Rule, steps: int) -> None:
    """Move the rule up (negative) or down in the order."""
    rules = list_rules(session)
    index = next(i for i, r in enumerate(rules) if r.id == rule.id)
    target = max(0, min(len(rules) - 1, index + steps))
    if target == index:
        return
    rules.insert(target, rules.pop(index))
    for position, each in enumerate(rules, 1):
        if each.position != position:
            each.position = position
            session.add(each)
    assert rule.id is not None
    record(session, actor, "rule", rule.id, "moved", {"position": [index + 1, target + 1]})
    commit(session)


def delete_rule(session: Session, actor: Actor, rule: Rule) -> None:
    assert rule.id is not None
    record(session, actor, "rule", rule.id, "deleted", {"rule": [document(rule), None]})
    session.execute(delete(RuleTimeFiring).where(col(RuleTimeFiring.rule_id) == rule.id))
    session.delete(rule)
    commit(session)


def document(rule: Rule) -> dict[str, Any]:
    """The rule as its JSON document (with id and position)."""
    return {"id": rule.id, "name": rule.name, "enabled": rule.enabled, "position": rule.position,
            "events": [e for e in rule.events.split(",") if e],
            "conditions": json.loads(rule.conditions or "{}"), "actions": json.loads(rule.actions or "[]")}


def _book(session: Session, spec: RuleSpec) -> None:
    """An enabled rule on the scheduled pass: the pass runs soon (unless already booked)."""
    if spec.enabled and "scheduled" in spec.events:
        book_pass(session)


def _write(rule: Rule, spec: RuleSpec) -> None:
    doc = to_document(spec)
    rule.name, rule.enabled = spec.name, spec.enabled
    rule.events = ",".join(spec.events)
    rule.conditions = json.dumps(doc["conditions"], ensure_ascii=False)
    rule.actions = json.dumps(doc["actions"], ensure_ascii=False)
