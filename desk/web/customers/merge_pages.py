"""Duplicates and merges: the desk-wide list of likely duplicates, one record's suggestions and
merge history, the confirm page that puts two records side by side, merging and undoing.

Every staff member may merge (agents meet the duplicates first); the writes are in
desk.actions.customers.merge, which refuses what cannot be merged or undone."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.editing import save_merge, save_merge_undo
from desk.actions.customers.records import CustomerError
from desk.i18n import _
from desk.models import User
from desk.queries.customers.duplicates import duplicate_pairs, duplicates_of
from desk.queries.customers.merges import access_merge_side, get_merge, list_merges
from desk.queries.customers.records import access_customer
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

PAIRS_PER_PAGE = 50
HISTORY_SHOWN = 50
REASONS = {"email": _("Same email address"), "phone": _("Same phone number"),
           "name_org": _("Same name in the same organisation")}


def _whole(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


async def duplicates_index(request: Request) -> Response:
    staff(request)
    page = max(1, _whole(request.query_params.get("page")) or 1)
    with db_of(request).session() as session:
        found = duplicate_pairs(session, PAIRS_PER_PAGE, (page - 1) * PAIRS_PER_PAGE)
    return render(request, "customers/customer_duplicates.html", customer=None, pairs=found.pairs,
                  page=page, has_next=found.has_next, reason_labels=REASONS)


async def customer_duplicates(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    with db_of(request).session() as session:
        customer = access_customer(session, user, customer_id)
        suggestions = duplicates_of(session, customer_id)
        history = list_merges(session, customer_id, HISTORY_SHOWN)
    return render(request, "customers/customer_duplicates.html", customer=customer,
                  suggestions=suggestions, merges=history.merges, names=history.names,
                  reason_labels=REASONS)


def _confirm_page(request: Request, user: User, customer_id: int, other_id: int | None,
                  survivor_id: int | None = None, error: CustomerError | None = None,
                  status_code: int = 200) -> Response:
    if other_id is None:
        raise HTTPException(400, _("Choose the record to merge with."))
    with db_of(request).session() as session:
        sides = [access_merge_side(session, user, i) for i in (customer_id, other_id)]
    if survivor_id not in (customer_id, other_id):
        # The record with more tickets keeps them in place; on a tie the older one, whose
        # number people have quoted longest.
        best = max(sides, key=lambda s: (s.tickets, -(s.customer.id or 0)))
        survivor_id = best.customer.id
    return render(request, "customers/customer_merge.html", status_code=status_code, sides=sides,
                  customer_id=customer_id, other_id=other_id, survivor_id=survivor_id, error=error)


async def merge_confirm(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    return _confirm_page(request, user, customer_id, _whole(request.query_params.get("other")))


async def merge(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    form = await request.form()
    check_csrf(request, form)
    other_id = _whole(form.get("other_id"))
    survivor_id = _whole(form.get("survivor"))
    if other_id is None or survivor_id not in (customer_id, other_id):
        raise HTTPException(400, _("Choose which record stays."))
    with db_of(request).session() as session:
        survivor = access_customer(session, user, survivor_id)
        other = access_customer(session, user, other_id if survivor_id == customer_id else customer_id)
        try:
            save_merge(session, Actor.of_user(user), survivor, other)
        except CustomerError as exc:
            return _confirm_page(request, user, customer_id, other_id, survivor_id, exc, 400)
    return RedirectResponse(f"/agent/customers/{survivor_id}", status_code=303)


async def undo(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        found = get_merge(session, request.path_params["merge_id"])
        if found is None:
            raise HTTPException(404, _("There is no such merge."))
        try:
            save_merge_undo(session, Actor.of_user(user), found)
        except CustomerError as exc:
            raise HTTPException(400, exc.message) from None
        survivor_id = found.survivor_id
    return RedirectResponse(f"/agent/customers/{survivor_id}/duplicates", status_code=303)


routes = [
    Route("/agent/customers/duplicates", duplicates_index, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/duplicates", customer_duplicates, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/merge", merge_confirm, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/merge", merge, methods=["POST"]),
    Route("/agent/customers/merges/{merge_id:id}/undo", undo, methods=["POST"]),
]
