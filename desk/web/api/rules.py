"""The rules' API (supervisors and admins): rules as JSON documents
(`desk.actions.rules.definition`), listed in the order they run, created, changed in part,
deleted; a rule that could not run is refused with 422 and the reason per field."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.rules.definition import RuleError
from desk.actions.rules.manage import create_rule, delete_rule, document, move_rule, update_rule
from desk.models import Role, Rule, User
from desk.queries.rules import get_rule, list_rules
from desk.web.api.inputs import MAX_ID, invalid, json_object, read_body
from desk.web.api.tokens import authenticated
from desk.web.auth import ROLE_RANK
from desk.web.errors import ApiError

EDITABLE = ("name", "enabled", "events", "conditions", "actions", "position")


def _require(user: User) -> None:
    if ROLE_RANK.get(Role(user.role), 0) < ROLE_RANK[Role.supervisor]:
        raise ApiError(403, "only admins and supervisors may read or write rules")


def _rule(session: Session, request: Request) -> Rule:
    rule_id = request.path_params["rule_id"]
    rule = get_rule(session, rule_id) if 0 < rule_id <= MAX_ID else None
    if rule is None:
        raise ApiError(404, "no such rule")
    return rule


def _refused(exc: RuleError) -> ApiError:
    return invalid(dict(exc.errors), "the rule could not run")


class RuleCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            return JSONResponse({"rules": [document(r) for r in list_rules(session)]})

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.create, request, await read_body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            doc = json_object(raw)
            unknown = {k: "unknown_field" for k in doc if k not in EDITABLE}
            if unknown:
                raise invalid(unknown, "unknown fields")
            position = _position(doc)
            try:
                rule = create_rule(session, Actor.of_user(user, via_api=True), doc)
            except RuleError as exc:
                raise _refused(exc) from None
            if position is not None:
                _place(session, user, rule, position)
            return JSONResponse(document(rule), status_code=201)


def _position(doc: dict[str, object]) -> int | None:
    """The `position` a body asks for (taken out of it), or None when it names none."""
    if "position" not in doc:
        return None
    value = doc.pop("position")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise invalid({"position": "not_a_position"})
    return value


def _place(session: Session, user: User, rule: Rule, position: int) -> None:
    rules = list_rules(session)
    index = next(i for i, r in enumerate(rules) if r.id == rule.id)
    move_rule(session, Actor.of_user(user, via_api=True), rule, max(1, position) - 1 - index)


class RuleResource(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            return JSONResponse(document(_rule(session, request)))

    async def patch(self, request: Request) -> Response:
        return await run_in_threadpool(self.change, request, await read_body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            rule = _rule(session, request)
            doc = json_object(raw)
            unknown = {k: "unknown_field" for k in doc if k not in EDITABLE}
            if unknown:
                raise invalid(unknown, "unknown fields")
            position = _position(doc)
            try:
                if doc:
                    update_rule(session, Actor.of_user(user, via_api=True), rule, doc)
            except RuleError as exc:
                raise _refused(exc) from None
            if position is not None:
                _place(session, user, rule, position)
            return JSONResponse(document(rule))

    def delete(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            delete_rule(session, Actor.of_user(user, via_api=True), _rule(session, request))
            return Response(status_code=204)


routes = [
    Route("/rules", RuleCollection, name="api:rules"),
    Route("/rules/{rule_id:int}", RuleResource, name="api:rule"),
]
