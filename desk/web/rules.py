"""Admin pages for routing rules (supervisors and admins): the ordered list with switch,
move and delete; a form in plain language to write a rule; a dry run of the draft against
the last tickets before it is saved.

The form holds one group of up to six conditions (all or any) and one slot per action; rules
with nested groups are written through the API (`/api/v1/rules`) and shown here read-only."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.rules.applying import dry_run
from desk.actions.rules.definition import (
    CHOICE_FIELDS,
    CHOICE_OPS,
    CUSTOM_OPS,
    EVENTS,
    HOURS_OPS,
    RATING_OPS,
    STRATEGIES,
    TAG_OPS,
    TEXT_FIELDS,
    TEXT_OPS,
    TIME_FIELDS,
    TIME_OPS,
    RuleError,
    parse_rule,
)
from desk.actions.rules.manage import create_rule, delete_rule, document, known, move_rule, update_rule
from desk.i18n import _
from desk.models import Priority, Role, Status
from desk.queries.customers.fields import field_definitions
from desk.queries.duty import known_skills
from desk.queries.rules import get_rule, list_rules, recent_tickets
from desk.queries.sla import list_policies
from desk.queries.tickets.fields import ticket_field_definitions
from desk.queries.users import active_agents, list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

CONDITION_ROWS = 6
DRY_RUN_TICKETS = 50
FIELD_LABELS = {
    "subject": _("Subject"), "body": _("Message text"), "sender": _("Sender address"),
    "sender_domain": _("Sender domain"), "organization": _("Organisation"), "channel": _("Channel"),
    "mailbox": _("Mailbox"), "tier": _("Customer tier"), "status": _("Status"), "priority": _("Priority"),
    "team": _("Team"), "assignee": _("Assignee"), "language": _("Language"), "tags": _("Tags"),
    "pending_for": _("Pending for"), "unassigned_for": _("Unassigned for"),
    "no_agent_reply_for": _("No agent reply for"), "rating": _("Survey rating (1 to 5)"),
    "business_hours": _("Within business hours (yes or no)"),
}
OP_LABELS = {
    "contains": _("contains"), "not_contains": _("does not contain"),
    "any_words": _("contains any of the words"), "regex": _("matches the regular expression"),
    "is": _("is"), "is_not": _("is not"), "has": _("has the tag"), "has_not": _("does not have the tag"),
    "at_least": _("at least (30m, 4h, 3d; a rating)"), "at_most": _("at most (a rating)"),
}
EVENT_LABELS = {"ticket_created": _("When a ticket is created"),
                "customer_replied": _("When a customer replies"),
                "ticket_updated": _("When a ticket is changed (also by another rule)"),
                "agent_replied": _("When an agent replies"),
                "chat_started": _("When a chat starts"),
                "survey_answered": _("When a customer answers a survey"),
                "scheduled": _("On the scheduled pass, every minute (with conditions on time)")}

_YES_NO = {"是": "yes", "否": "no", "y": "yes", "n": "no"}


def _values_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a rule document."""
    values: dict[str, Any] = {"name": doc.get("name", ""), "enabled": doc.get("enabled", True),
                              "events": doc.get("events", ["ticket_created"]),
                              "match": doc.get("conditions", {}).get("match", "all")}
    for index, item in enumerate(doc.get("conditions", {}).get("items", [])[:CONDITION_ROWS]):
        if "items" not in item:
            values[f"field{index}"], values[f"op{index}"] = item["field"], item["op"]
            values[f"value{index}"] = item["value"]
    for action in doc.get("actions", []):
        kind, value = action["type"], action.get("value")
        if kind == "assign" and isinstance(value, dict):  # by skill, the skills named
            values["assign"], values["assign_skills"] = "by_skill", ", ".join(value.get("by_skill", []))
            continue
        if isinstance(value, dict):  # reply, notify: a field per part
            values.update({f"{kind}_{part}": "1" if part_value is True else str(part_value)
                           for part, part_value in value.items() if part_value is not False})
            continue
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        values[kind] = "1" if kind == "stop" else shown
    return values


def _document_of(form: FormData) -> tuple[dict[str, Any], dict[str, Any], dict[int, int]]:
    """(rule document, the form's values to show again, form row -> condition index)."""
    keys = ("name", "match", "set_team", "set_priority", "set_status", "add_tags", "assign", "set_sla",
            "set_field_key", "set_field_value")
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in keys}
    values["enabled"] = form.get("enabled") == "on"
    values["stop"] = "1" if form.get("stop") == "on" else ""
    values["events"] = [e for e in form.getlist("events") if e in EVENTS]
    items: list[dict[str, str]] = []
    rows: dict[int, int] = {}
    for index in range(CONDITION_ROWS):
        name, op, text = (str(form.get(f"{key}{index}", "")).strip() for key in ("field", "op", "value"))
        values[f"field{index}"], values[f"op{index}"], values[f"value{index}"] = name, op, text
        if name == "business_hours":  # yes or no, as typed in either language
            text = _YES_NO.get(text.lower(), text)
        if name or text:
            rows[len(items)] = index
            items.append({"field": name, "op": op, "value": text})
    actions: list[dict[str, Any]] = []
    for kind in ("set_team", "set_priority", "set_status", "add_tags", "assign", "set_sla"):
        raw = values[kind].strip()
        if not raw:
            continue
        value: Any = raw
        if kind in ("set_team", "set_sla") or (kind == "assign" and raw not in STRATEGIES):
            value = int(raw) if raw.isdigit() and len(raw) < 10 else -1
        elif kind == "add_tags":
            value = [t for t in (part.strip() for part in raw.split(",")) if t]
        if kind == "assign" and raw == "by_skill" and _skills_typed(form, values):
            value = {"by_skill": _skills_typed(form, values)}
        actions.append({"type": kind, "value": value})
    if values["set_field_key"].strip():
        actions.append({"type": "set_field", "value": {"key": values["set_field_key"].strip(),
                                                       "value": values["set_field_value"].strip()}})
    actions += _messages_of(form, values)
    if values["stop"]:
        actions.append({"type": "stop"})
    doc = {"name": values["name"], "enabled": values["enabled"], "events": values["events"],
           "conditions": {"match": values["match"] or "all", "items": items}, "actions": actions}
    return doc, values, rows


def _messages_of(form: FormData, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The reply and notify actions the form asks for (and their fields to show again)."""
    for key in ("reply_en", "reply_zh", "notify_to", "notify_by", "notify_note"):
        values[key] = str(form.get(key, "")).strip()
    values["reply_articles"] = "1" if form.get("reply_articles") == "on" else ""
    actions: list[dict[str, Any]] = []
    if values["reply_en"] or values["reply_zh"]:
        actions.append({"type": "reply", "value": {"en": values["reply_en"], "zh": values["reply_zh"],
                                                   "articles": bool(values["reply_articles"])}})
    if values["notify_to"]:
        raw = values["notify_to"]
        to: Any = raw if raw in ("assignee", "team") else int(raw) if raw.isdigit() and len(raw) < 10 else -1
        actions.append({"type": "notify", "value": {"to": to, "by": values["notify_by"] or "in_app",
                                                    "note": values["notify_note"]}})
    return actions


def _form_errors(error: RuleError, rows: dict[int, int], doc: dict[str, Any]) -> dict[str, str]:
    """The reasons keyed by the form's field names."""
    shown: dict[str, str] = {}
    kinds = [a["type"] for a in doc["actions"]]
    for where, why in error.errors.items():
        parts = where.split(".")
        if parts[0] == "conditions" and len(parts) >= 2 and parts[1].isdigit():
            shown[f"condition{rows.get(int(parts[1]), 0)}"] = why
        elif parts[0] == "actions" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(kinds):
            shown[kinds[int(parts[1])]] = why
        else:
            shown[parts[0]] = why
    return shown


def _skills_typed(form: FormData, values: dict[str, Any]) -> list[str]:
    """The skills an assign-by-skill names on the form (kept in `values` to show again)."""
    values["assign_skills"] = str(form.get("assign_skills", ""))[:1000]
    return [t for t in (p.strip() for p in values["assign_skills"].replace("，", ",").split(",")) if t]


def _unheld(values: dict[str, Any], skills: set[str]) -> list[str]:
    """The skills an assign-by-skill names that no active agent has."""
    if values.get("assign") != "by_skill":
        return []
    named = [t.strip().lower() for t in str(values.get("assign_skills", "")).split(",") if t.strip()]
    return [t for t in named if t not in skills]


def _form_page(request: Request, rule_id: int | None, values: dict[str, Any],
               errors: dict[str, str] | None = None, status_code: int = 200,
               preview: list[Any] | None = None) -> Response:
    with db_of(request).session() as session:
        teams, agents, policies = list_teams(session), active_agents(session), list_policies(session)
        skills = known_skills(session)
        ticket_fields, customer_fields = ticket_field_definitions(session), field_definitions(session)
    return render(request, "admin/rule_form.html", status_code=status_code, rule_id=rule_id,
                  policies=policies, unheld_skills=_unheld(values, skills),
                  values=values, errors=errors or {}, preview=preview, rows=range(CONDITION_ROWS),
                  fields=[*TEXT_FIELDS, *CHOICE_FIELDS, "tags", *TIME_FIELDS, "rating", "business_hours"],
                  field_labels=FIELD_LABELS, ticket_fields=ticket_fields,
                  custom_fields=[(f"ticket_field:{f.key}", _("Ticket field"), f.label) for f in ticket_fields]
                  + [(f"customer_field:{f.key}", _("Customer field"), f.label) for f in customer_fields],
                  ops=list(dict.fromkeys([*TEXT_OPS, *CHOICE_OPS, *TAG_OPS, *TIME_OPS, *RATING_OPS,
                                          *HOURS_OPS, *CUSTOM_OPS])),
                  op_labels=OP_LABELS, events=EVENTS, event_labels=EVENT_LABELS, teams=teams,
                  agents=agents, priorities=list(Priority), statuses=list(Status))


async def list_page(request: Request) -> Response:
    staff(request, Role.supervisor)
    with db_of(request).session() as session:
        rules = [document(rule) for rule in list_rules(session)]
        teams = {t.id: t.name for t in list_teams(session)}
        agents = {a.id: a.name for a in active_agents(session)}
        policies = {p.id: p.name for p in list_policies(session)}
    return render(request, "admin/rules.html", rules=rules, teams=teams, agents=agents, policies=policies,
                  field_labels=FIELD_LABELS, op_labels=OP_LABELS, event_labels=EVENT_LABELS)


async def new_form(request: Request) -> Response:
    staff(request, Role.supervisor)
    return _form_page(request, None, {"enabled": True, "events": ["ticket_created"], "match": "all"})


async def edit_form(request: Request) -> Response:
    staff(request, Role.supervisor)
    with db_of(request).session() as session:
        rule = get_rule(session, request.path_params["rule_id"])
        if rule is None:
            raise HTTPException(404, _("There is no such rule."))
        doc = document(rule)
    return _form_page(request, rule.id, _values_of(doc))


async def save(request: Request) -> Response:
    """Create (no id) or change a rule; or, with the dry-run button, show what it would do."""
    user = staff(request, Role.supervisor)
    form = await request.form()
    check_csrf(request, form)
    rule_id = request.path_params.get("rule_id")
    doc, values, rows = _document_of(form)
    with db_of(request).session() as session:
        rule = get_rule(session, rule_id) if rule_id is not None else None
        if rule_id is not None and rule is None:
            raise HTTPException(404, _("There is no such rule."))
        try:
            if form.get("dry_run"):
                spec = parse_rule(doc, known(session))
                preview = dry_run(session, spec, recent_tickets(session, DRY_RUN_TICKETS))
                shown = [(t.id, t.subject, c) for t, c in preview]
                return _form_page(request, rule_id, values, preview=shown)
            if rule is None:
                rule = create_rule(session, Actor.of_user(user), doc)
            else:
                update_rule(session, Actor.of_user(user), rule, doc)
            unheld = _unheld(values, known_skills(session))
        except RuleError as exc:
            return _form_page(request, rule_id, values, _form_errors(exc, rows, doc), status_code=422)
    # Saved; a skill nobody has yet is allowed, and the rule's page says so.
    return RedirectResponse(f"/admin/rules/{rule.id}" if unheld else "/admin/rules", status_code=303)


async def change(request: Request) -> Response:
    """Switch on or off, move up or down, or delete a rule (one button each)."""
    user = staff(request, Role.supervisor)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        rule = get_rule(session, request.path_params["rule_id"])
        if rule is None:
            raise HTTPException(404, _("There is no such rule."))
        what = form.get("do")
        if what == "delete":
            delete_rule(session, Actor.of_user(user), rule)
        elif what in ("up", "down"):
            move_rule(session, Actor.of_user(user), rule, -1 if what == "up" else 1)
        elif what in ("enable", "disable"):
            update_rule(session, Actor.of_user(user), rule, {"enabled": what == "enable"})
    return RedirectResponse("/admin/rules", status_code=303)


routes = [
    Route("/admin/rules", list_page),
    Route("/admin/rules/new", new_form),
    Route("/admin/rules", save, methods=["POST"]),
    Route("/admin/rules/{rule_id:id}", edit_form),
    Route("/admin/rules/{rule_id:id}", save, methods=["POST"]),
    Route("/admin/rules/{rule_id:id}/change", change, methods=["POST"]),
]
