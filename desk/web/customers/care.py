"""Pages for keeping records fresh (the review list and policy, notifications), handing an
agent's work to another, and privacy requests (export, anonymise)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.care import CareError
from desk.actions.customers.editing import save_notifications_read, save_review
from desk.actions.customers.records import CustomerError
from desk.actions.customers.supervision import (
    erase_personal_data,
    export_personal_data,
    save_review_policy,
    save_transfer,
)
from desk.i18n import _
from desk.models import Customer, Role, Tier, User
from desk.queries.customers.care import (
    notifications_of,
    review_policy,
    staff_members,
    to_review,
    work_of,
)
from desk.queries.customers.records import access_customer, may_manage_customers
from desk.settings import Settings
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

# The words a notification shows, by kind.
NOTIFICATION = {
    "assigned": _("A ticket was assigned to you"),
    "routed": _("A ticket came to your team"),
    "customer_replied": _("The customer wrote again"),
    "customer_contact_changed": _("Contact details of %(name)s changed"),
    "work_transferred": _("Customers and tickets were transferred to you"),
    "low_rating": _("A customer rated the help low"),
    "follow_up": _("A follow-up is due"),
    "rule": _("A rule asks you to look at a ticket"),
    "sla_warning": _("An SLA due time is near"),
    "sla_breached": _("An SLA target was breached"),
    "review_due": _("%(name)s is due for review"),
}


def _number(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _manager(request: Request) -> User:
    user = staff(request)
    if not may_manage_customers(user):
        raise HTTPException(403, _("Only supervisors and admins may do this."))
    return user


def _local_path(value: object, default: str) -> str:
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else default


async def review_list(request: Request) -> Response:
    user = staff(request)
    owner_id = _number(request.query_params.get("owner_id")) or user.id
    assert owner_id is not None
    if owner_id != user.id and not may_manage_customers(user):
        raise HTTPException(403, _("Only supervisors and admins may see another agent's list."))
    page_number = _number(request.query_params.get("page")) or 1
    with db_of(request).session() as session:
        page = to_review(session, owner_id, page_number)
        agents = staff_members(session) if may_manage_customers(user) else []
        policy = review_policy(session)

    def page_url(number: int) -> str:
        return "/agent/customers/review?" + urlencode({"owner_id": owner_id, "page": number})

    return render(request, "customers/customers_review.html", page=page, owner_id=owner_id,
                  agents=agents, policy=policy, here=request.url.path + "?" + request.url.query,
                  prev_url=page_url(page.page - 1) if page.page > 1 else None,
                  next_url=page_url(page.page + 1) if page.has_next else None)


async def reviewed(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    customer_id = request.path_params["customer_id"]
    with db_of(request).session() as session:
        customer = access_customer(session, user, customer_id)
        save_review(session, Actor.of_user(user), customer)
    target = _local_path(form.get("next"), f"/agent/customers/{customer_id}")
    return RedirectResponse(target, status_code=303)


async def policy_page(request: Request) -> Response:
    staff(request, Role.admin)
    with db_of(request).session() as session:
        values = {tier: str(days) for tier, days in review_policy(session).items()}
    return render(request, "customers/review_policy.html", tiers=[t.value for t in Tier],
                  values=values, error=None, saved=request.query_params.get("saved") == "1")


async def save_policy(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = {t.value: str(form.get(t.value, "")) for t in Tier}
    with db_of(request).session() as session:
        try:
            save_review_policy(session, Actor.of_user(admin), values)
        except CareError as exc:
            return render(request, "customers/review_policy.html", status_code=400,
                          tiers=[t.value for t in Tier], values=values, error=exc, saved=False)
    return RedirectResponse("/admin/review-policy?saved=1", status_code=303)


async def notifications(request: Request) -> Response:
    user = staff(request)
    assert user.id is not None
    with db_of(request).session() as session:
        rows = notifications_of(session, user.id)
    return render(request, "agent/notifications.html", rows=rows, words=NOTIFICATION)


async def notifications_read(request: Request) -> Response:
    user = staff(request)
    check_csrf(request, await request.form())
    assert user.id is not None
    with db_of(request).session() as session:
        save_notifications_read(session, user.id)
    return RedirectResponse("/agent/notifications", status_code=303)


def _transfer_page(request: Request, status_code: int = 200, error: CareError | None = None,
                   from_id: int | None = None, to_id: int | None = None) -> Response:
    with db_of(request).session() as session:
        everyone = staff_members(session, active_only=False)
        work = work_of(session, from_id) if from_id is not None else None
    params = request.query_params
    done = (_number(params.get("customers")), _number(params.get("tickets"))) \
        if params.get("done") == "1" else None
    return render(request, "customers/customers_transfer.html", status_code=status_code,
                  everyone=everyone, active=[u for u in everyone if u.is_active], error=error,
                  from_id=from_id, to_id=to_id, work=work, done=done)


async def transfer_form(request: Request) -> Response:
    _manager(request)
    params = request.query_params
    return _transfer_page(request, from_id=_number(params.get("from_id")),
                          to_id=_number(params.get("to_id")))


async def transfer(request: Request) -> Response:
    user = _manager(request)
    form = await request.form()
    check_csrf(request, form)
    from_id, to_id = _number(form.get("from_id")), _number(form.get("to_id"))
    with db_of(request).session() as session:
        try:
            moved = save_transfer(session, Actor.of_user(user), from_id, to_id)
        except CareError as exc:
            return _transfer_page(request, 400, exc, from_id, to_id)
    query = urlencode({"done": 1, "customers": len(moved.customer_ids),
                       "tickets": len(moved.ticket_ids)})
    return RedirectResponse(f"/agent/customers/transfer?{query}", status_code=303)


async def export(request: Request) -> Response:
    user = _manager(request)
    customer_id = request.path_params["customer_id"]
    with db_of(request).session() as session:
        customer = access_customer(session, user, customer_id)
        data = export_personal_data(session, Actor.of_user(user), customer)
    # Names and messages in Chinese stay readable in the file.
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=customer-{customer_id}.json"})


def _anonymise_page(request: Request, customer: Customer, status_code: int = 200,
                    error: str | None = None) -> Response:
    return render(request, "customers/customer_anonymise.html", status_code=status_code,
                  customer=customer, error=error)


async def anonymise_form(request: Request) -> Response:
    user = _manager(request)
    with db_of(request).session() as session:
        customer = access_customer(session, user, request.path_params["customer_id"])
    return _anonymise_page(request, customer)


async def anonymise(request: Request) -> Response:
    user = _manager(request)
    form = await request.form()
    check_csrf(request, form)
    settings: Settings = request.app.state.settings
    with db_of(request).session() as session:
        customer = access_customer(session, user, request.path_params["customer_id"])
        if str(form.get("confirm", "")).strip().lstrip("#") != str(customer.id):
            return _anonymise_page(request, customer, 400,
                                   _("Type the customer's number to confirm."))
        try:
            erase_personal_data(session, Actor.of_user(user), customer, settings.attachments_dir)
        except CustomerError as exc:
            return _anonymise_page(request, customer, 400, exc.message)
    return RedirectResponse(f"/agent/customers/{customer.id}", status_code=303)


routes = [
    Route("/agent/customers/review", review_list, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/reviewed", reviewed, methods=["POST"]),
    Route("/admin/review-policy", policy_page, methods=["GET"]),
    Route("/admin/review-policy", save_policy, methods=["POST"]),
    Route("/agent/notifications", notifications, methods=["GET"]),
    Route("/agent/notifications/read", notifications_read, methods=["POST"]),
    Route("/agent/customers/transfer", transfer_form, methods=["GET"]),
    Route("/agent/customers/transfer", transfer, methods=["POST"]),
    Route("/agent/customers/{customer_id:id}/privacy-export", export, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/anonymise", anonymise_form, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/anonymise", anonymise, methods=["POST"]),
]
