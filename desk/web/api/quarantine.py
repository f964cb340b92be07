"""The quarantine over the API: list and download mail that could not be read (admins and
supervisors), retry or discard it (admins).

Plain HTTPEndpoint methods: Starlette runs them, and so the database work, in its thread pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.mail.quarantine import (
    NotQuarantined,
    QuarantineError,
    discard_quarantined,
    retry_quarantined,
)
from desk.models import Role, User
from desk.queries.mail.quarantine import (
    MAX_ID,
    MAX_LIMIT,
    QuarantinedMail,
    list_quarantined,
    quarantine_outcome,
    quarantined_eml,
)
from desk.settings import Settings
from desk.web.api.inputs import invalid, paging
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated
from desk.web.auth import ROLE_RANK
from desk.web.errors import ApiError
from desk.web.mail.quarantine import eml_response

JSON = dict[str, Any]
LIST_PARAMS = ("mailbox", "limit", "cursor")
DEFAULT_LIMIT = 50


def _require(user: User, role: Role) -> None:
    if ROLE_RANK.get(Role(user.role), 0) < ROLE_RANK[role]:
        who = "admins" if role == Role.admin else "admins and supervisors"
        raise ApiError(403, f"only {who} may do this with the quarantine")


def list_params(params: Mapping[str, str]) -> tuple[str, int, int | None]:
    """(mailbox, limit, cursor) of GET /quarantine; anything unusable is 422."""
    errors = {name: "unknown_parameter" for name in params if name not in LIST_PARAMS}
    mailbox = params.get("mailbox", "")
    if len(mailbox) > 100:
        errors["mailbox"] = "too_long"
    elif "\x00" in mailbox:
        errors["mailbox"] = "invalid_characters"
    limit, cursor = paging(params, errors, DEFAULT_LIMIT, MAX_LIMIT)
    if errors:
        raise invalid(errors, "invalid query parameters")
    return mailbox, limit, cursor


def item_json(item: QuarantinedMail) -> JSON:
    return {"id": item.id, "mailbox": item.mailbox, "received_at": iso(item.received_at),
            "from": item.sender, "subject": item.subject, "size": item.size,
            "error": item.error}


def outcome_json(session: Session, raw_id: int) -> JSON:
    """Where the mail stands now: after a retry, the ticket it became part of, or why not."""
    row = quarantine_outcome(session, raw_id)
    assert row is not None
    return {"id": raw_id, "status": row.status, "ticket": row.ticket_id, "error": row.error}


def _raw_id(request: Request) -> int:
    raw_id: int = request.path_params["raw_id"]
    if not 1 <= raw_id <= MAX_ID:
        raise ApiError(404, "no such mail in the quarantine")
    return raw_id


def _refused(exc: QuarantineError) -> ApiError:
    if isinstance(exc, NotQuarantined):
        return ApiError(409, str(exc))
    return ApiError(404, "no such mail in the quarantine")


class QuarantineCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user, Role.supervisor)
            mailbox, limit, cursor = list_params(request.query_params)
            page = list_quarantined(session, mailbox, limit, cursor)
            return JSONResponse({
                "items": [item_json(i) for i in page.items],
                "next_cursor": str(page.next_cursor) if page.next_cursor else None,
            })


class QuarantineRaw(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user, Role.supervisor)
            eml = quarantined_eml(session, _raw_id(request))
            if eml is None:
                raise ApiError(404, "no such mail in the quarantine")
            return eml_response(eml)


class QuarantineRetry(HTTPEndpoint):
    def post(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user, Role.admin)
            raw_id = _raw_id(request)
            settings: Settings = request.app.state.settings
            try:
                retry_quarantined(session, settings, Actor.of_user(user, via_api=True), raw_id)
            except QuarantineError as exc:
                raise _refused(exc) from exc
            return JSONResponse(outcome_json(session, raw_id))


class QuarantineDiscard(HTTPEndpoint):
    def post(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user, Role.admin)
            raw_id = _raw_id(request)
            try:
                discard_quarantined(session, Actor.of_user(user, via_api=True), raw_id)
            except QuarantineError as exc:
                raise _refused(exc) from exc
            return JSONResponse(outcome_json(session, raw_id))


routes = [
    Route("/quarantine", QuarantineCollection, name="api:quarantine"),
    Route("/quarantine/{raw_id:int}/raw", QuarantineRaw, name="api:quarantine_raw"),
    Route("/quarantine/{raw_id:int}/retry", QuarantineRetry, name="api:quarantine_retry"),
    Route("/quarantine/{raw_id:int}/discard", QuarantineDiscard, name="api:quarantine_discard"),
]
