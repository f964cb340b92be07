"""The webhooks' API (admins, or a token with the admin scope): list, create (the answer
carries the signing secret, once), change, switch off, rotate the secret, delete; each
webhook's delivery log, newest first, and a resend of one delivery."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.webhooks.manage import (
    WebhookForm,
    create_webhook,
    delete_webhook,
    form_of,
    resend,
    rotate_secret,
    send_test,
    update_webhook,
)
from desk.models import Role, User, Webhook, WebhookDelivery
from desk.queries.webhooks import get_delivery, get_webhook, list_deliveries, list_webhooks
from desk.web.api.inputs import invalid, json_object, paging, read_body
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated
from desk.web.errors import ApiError

FIELDS: dict[str, type] = {"name": str, "url": str, "events": list, "active": bool,
                           "allow_private": bool}
LOG_PARAMS = ("limit", "cursor")


def _require(user: User) -> None:
    if user.role != Role.admin:
        raise ApiError(403, "only admins may read or write webhooks")


def webhook_json(webhook: Webhook, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": webhook.id, "name": webhook.name, "url": webhook.url, "events": list(webhook.events),
        "active": webhook.active, "allow_private": webhook.allow_private,
        "created_at": iso(webhook.created_at), "updated_at": iso(webhook.updated_at)}
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"id": delivery.id, "event": delivery.event, "status": delivery.status,
            "attempts": delivery.attempts, "response_code": delivery.response_code,
            "response_excerpt": delivery.response_excerpt, "created_at": iso(delivery.created_at),
            "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
            "delivered_at": iso(delivery.delivered_at), "resent_from": delivery.resent_from_id,
            "payload": delivery.payload}


def _webhook(session: Session, request: Request) -> Webhook:
    webhook = get_webhook(session, request.path_params["webhook_id"])
    if webhook is None:
        raise ApiError(404, "no such webhook")
    return webhook


def _form(doc: dict[str, Any], form: WebhookForm, extra: tuple[str, ...] = ()) -> WebhookForm:
    """`form` with the body's fields put in; 422 for unknown fields and wrong types."""
    errors = {k: "unknown_field" for k in doc if k not in FIELDS and k not in extra}
    for name, kind in FIELDS.items():
        if name not in doc:
            continue
        value: Any = doc[name]
        if not isinstance(value, kind) or (isinstance(value, list)
                                           and not all(isinstance(v, str) for v in value)):
            errors[name] = "invalid_type"
        else:
            setattr(form, name, list(value) if isinstance(value, list) else value)
    if errors:
        raise invalid(errors, "invalid webhook")
    return form


def _refused(form: WebhookForm) -> ApiError:
    return invalid(dict(form.codes), "the webhook was refused")


class WebhookCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            return JSONResponse({"webhooks": [webhook_json(w) for w in list_webhooks(session)]})

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.create, request, await read_body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            form = _form(json_object(raw), WebhookForm())
            made = create_webhook(session, Actor.of_user(user, via_api=True),
                                  str(request.app.state.settings.secret_key), form)
            if made is None:
                raise _refused(form)
            return JSONResponse(webhook_json(*made), status_code=201)


class WebhookResource(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            return JSONResponse(webhook_json(_webhook(session, request)))

    async def patch(self, request: Request) -> Response:
        return await run_in_threadpool(self.change, request, await read_body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            webhook = _webhook(session, request)
            doc = json_object(raw)
            rotate = doc.get("rotate_secret", False)
            if not isinstance(rotate, bool):
                raise invalid({"rotate_secret": "invalid_type"})
            form = _form(doc, form_of(webhook), extra=("rotate_secret",))
            actor = Actor.of_user(user, via_api=True)
            if update_webhook(session, actor, webhook, form) is None:
                raise _refused(form)
            secret = (rotate_secret(session, actor, str(request.app.state.settings.secret_key), webhook)
                      if rotate else None)
            return JSONResponse(webhook_json(webhook, secret))

    def delete(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            _require(user)
            delete_webhook(session, Actor.of_user(user, via_api=True), _webhook(session, request))
            return Response(status_code=204)


def deliveries(request: Request) -> Response:
    errors = {name: "unknown_parameter" for name in request.query_params if name not in LOG_PARAMS}
    limit, cursor = paging(request.query_params, errors, 50, 100)
    if errors:
        raise invalid(errors, "invalid query parameters")
    with authenticated(request) as (session, user):
        _require(user)
        webhook = _webhook(session, request)
        assert webhook.id is not None
        rows = list_deliveries(session, webhook.id, before=cursor, limit=limit + 1)
    return JSONResponse({"deliveries": [delivery_json(d) for d in rows[:limit]],
                         "next_cursor": rows[limit - 1].id if len(rows) > limit else None})


def _no_body(raw: bytes) -> None:
    """These POSTs take no fields: an empty body or `{}`."""
    if raw.strip():
        unknown = {k: "unknown_field" for k in json_object(raw)}
        if unknown:
            raise invalid(unknown, "unknown fields")


async def resend_delivery(request: Request) -> Response:
    _no_body(await read_body(request))
    return await run_in_threadpool(_resend, request)


def _resend(request: Request) -> Response:
    with authenticated(request) as (session, user):
        _require(user)
        webhook = _webhook(session, request)
        assert webhook.id is not None
        delivery = get_delivery(session, webhook.id, request.path_params["delivery_id"])
        if delivery is None:
            raise ApiError(404, "no such delivery")
        new_id = resend(session, Actor.of_user(user, via_api=True), delivery)
        again = get_delivery(session, webhook.id, new_id)
        assert again is not None
        return JSONResponse(delivery_json(again), status_code=202)


async def test_delivery(request: Request) -> Response:
    _no_body(await read_body(request))
    return await run_in_threadpool(_test, request)


def _test(request: Request) -> Response:
    with authenticated(request) as (session, user):
        _require(user)
        webhook = _webhook(session, request)
        assert webhook.id is not None
        delivery = get_delivery(session, webhook.id, send_test(session, Actor.of_user(user, via_api=True),
                                                               webhook))
        assert delivery is not None
        return JSONResponse(delivery_json(delivery), status_code=202)


routes = [
    Route("/webhooks", WebhookCollection, name="api:webhooks"),
    Route("/webhooks/{webhook_id:int}", WebhookResource, name="api:webhook"),
    Route("/webhooks/{webhook_id:int}/deliveries", deliveries, methods=["GET"]),
    Route("/webhooks/{webhook_id:int}/deliveries/{delivery_id:int}/resend", resend_delivery,
          methods=["POST"]),
    Route("/webhooks/{webhook_id:int}/test", test_delivery, methods=["POST"]),
]
