"""The admin's webhooks (`/admin/webhooks`): list, add, change or switch off, delete; the
signing secret shown once (on creation and on "rotate"); a test event; each webhook's
delivery log with the receiver's answers and a "Resend" button. Admins only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
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
from desk.i18n import _
from desk.models import Role, Webhook
from desk.models.webhooks import WEBHOOK_EVENTS
from desk.queries.webhooks import LOG_PAGE, get_delivery, get_webhook, list_deliveries, list_webhooks
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

EVENT_LABELS = {
    "ticket.created": _("A ticket is created"),
    "ticket.updated": _("A ticket is changed (status, priority, team, assignee...)"),
    "ticket.solved": _("A ticket is solved"),
    "customer.replied": _("A customer replies"),
    "survey.answered": _("A satisfaction survey is answered"),
}


def _form_of(form: FormData) -> WebhookForm:
    return WebhookForm(name=str(form.get("name", ""))[:500], url=str(form.get("url", ""))[:3000],
                       events=[str(e)[:40] for e in form.getlist("events")][:20],
                       active=form.get("active") == "1", allow_private=form.get("allow_private") == "1")


def _page(request: Request, form: WebhookForm, webhook: Webhook | None, secret: str = "",
          status: int = 200) -> Response:
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else None
    with db_of(request).session() as session:
        hooks = list_webhooks(session)
        log = (list_deliveries(session, webhook.id, before=before, limit=LOG_PAGE + 1)
               if webhook and webhook.id else [])
    return render(request, "admin/webhooks.html", status_code=400 if form.errors else status,
                  form=form, webhook=webhook, webhooks=hooks, deliveries=log[:LOG_PAGE],
                  older=log[LOG_PAGE - 1].id if len(log) > LOG_PAGE else None, secret=secret,
                  events=WEBHOOK_EVENTS, event_labels=EVENT_LABELS)


def _webhook(request: Request) -> Webhook:
    with db_of(request).session() as session:
        webhook = get_webhook(session, request.path_params["webhook_id"])
    if webhook is None:
        raise HTTPException(404, _("Not found."))
    return webhook


def _key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _back(webhook: Webhook) -> RedirectResponse:
    return RedirectResponse(f"/admin/webhooks/{webhook.id}", status_code=303)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request, WebhookForm(events=list(WEBHOOK_EVENTS)), None)


async def one(request: Request) -> Response:
    staff(request, Role.admin)
    webhook = _webhook(request)
    return _page(request, form_of(webhook), webhook)


async def create(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    checked = _form_of(form)
    with db_of(request).session() as session:
        # In a thread: checking the address may wait on DNS.
        made = await run_in_threadpool(create_webhook, session, Actor.of_user(admin), _key(request),
                                       checked)
    if made is None:
        return _page(request, checked, None)
    webhook, secret = made
    return _page(request, form_of(webhook), webhook, secret=secret, status=201)


async def change(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    webhook = _webhook(request)
    checked = _form_of(form)
    with db_of(request).session() as session:
        saved = await run_in_threadpool(update_webhook, session, Actor.of_user(admin), webhook, checked)
    if saved is None:
        return _page(request, checked, webhook)
    return _back(webhook)


async def rotate(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    webhook = _webhook(request)
    with db_of(request).session() as session:
        secret = rotate_secret(session, Actor.of_user(admin), _key(request), webhook)
    return _page(request, form_of(webhook), webhook, secret=secret)


async def test(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    webhook = _webhook(request)
    with db_of(request).session() as session:
        send_test(session, Actor.of_user(admin), webhook)
    return _back(webhook)


async def remove(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    webhook = _webhook(request)
    with db_of(request).session() as session:
        delete_webhook(session, Actor.of_user(admin), webhook)
    return RedirectResponse("/admin/webhooks", status_code=303)


async def resend_delivery(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    webhook = _webhook(request)
    assert webhook.id is not None
    with db_of(request).session() as session:
        delivery = get_delivery(session, webhook.id, request.path_params["delivery_id"])
        if delivery is None:
            raise HTTPException(404, _("Not found."))
        resend(session, Actor.of_user(admin), delivery)
    return _back(webhook)


routes = [
    Route("/admin/webhooks", index, methods=["GET"]),
    Route("/admin/webhooks", create, methods=["POST"]),
    Route("/admin/webhooks/{webhook_id:id}", one, methods=["GET"]),
    Route("/admin/webhooks/{webhook_id:id}", change, methods=["POST"]),
    Route("/admin/webhooks/{webhook_id:id}/secret", rotate, methods=["POST"]),
    Route("/admin/webhooks/{webhook_id:id}/test", test, methods=["POST"]),
    Route("/admin/webhooks/{webhook_id:id}/delete", remove, methods=["POST"]),
    Route("/admin/webhooks/{webhook_id:id}/deliveries/{delivery_id:id}/resend", resend_delivery,
          methods=["POST"]),
]
