"""Organisations: the searchable list, one organisation's page (members, their recent tickets),
and the create and edit forms (supervisors and admins, see may_manage_organizations)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.organizations import OrganizationError
from desk.actions.customers.supervision import save_new_organization, save_organization_changes
from desk.i18n import _
from desk.models import Organization, Tier, User
from desk.queries.customers.organizations import (
    access_organization,
    access_organization_page,
    list_organizations,
    may_manage_organizations,
)
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

MAX_PAGE = 100_000


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "")
    return min(int(raw), MAX_PAGE) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1


def _manager(request: Request) -> User:
    user = staff(request)
    if not may_manage_organizations(user):
        raise HTTPException(403, _("Only supervisors and admins may create or change organisations."))
    return user


async def index(request: Request) -> Response:
    user = staff(request)
    q = request.query_params.get("q", "")[:200]
    with db_of(request).session() as session:
        page = list_organizations(session, q, _page_number(request))

    def page_url(number: int) -> str:
        return "/agent/organizations?" + urlencode({**({"q": q} if q else {}), "page": number})

    return render(request, "customers/organizations.html", page=page, q=q,
                  may_manage=may_manage_organizations(user),
                  prev_url=page_url(page.page - 1) if page.page > 1 else None,
                  next_url=page_url(page.page + 1) if page.has_next else None)


async def show(request: Request) -> Response:
    user = staff(request)
    org_id: int = request.path_params["org_id"]
    page = _page_number(request)
    with db_of(request).session() as session:
        view = access_organization_page(session, user, org_id, page)
    base = f"/agent/organizations/{org_id}?page="
    return render(request, "customers/organization.html", org=view.org, members=view.members,
                  tickets=view.tickets, member_count=view.member_count, open_count=view.open_count,
                  page=page, may_manage=may_manage_organizations(user),
                  prev_url=f"{base}{page - 1}" if page > 1 else None,
                  next_url=f"{base}{page + 1}" if view.has_next else None)


def _read_form(form: FormData) -> dict[str, str]:
    values = {k: str(form.get(k, "")).strip()[:300] for k in ("name", "domain", "tier")}
    values["auto_join"] = "on" if form.get("auto_join") else ""
    values["portal_shared"] = "on" if form.get("portal_shared") else ""
    return values


def _changes(values: dict[str, str]) -> dict[str, object]:
    return {"name": values["name"], "domain": values["domain"], "tier": values["tier"],
            "auto_join": bool(values["auto_join"]), "portal_shared": bool(values["portal_shared"])}


def _form_page(request: Request, org: Organization | None, values: dict[str, str],
               error: OrganizationError | None = None, status_code: int = 200) -> Response:
    return render(request, "customers/organization_form.html", status_code=status_code, org=org,
                  values=values, error=error, tiers=[t.value for t in Tier])


async def new_form(request: Request) -> Response:
    _manager(request)
    return _form_page(request, None, {"tier": Tier.standard, "auto_join": "on"})


async def create(request: Request) -> Response:
    user = _manager(request)
    form = await request.form()
    check_csrf(request, form)
    values = _read_form(form)
    with db_of(request).session() as session:
        try:
            org = save_new_organization(session, Actor.of_user(user), _changes(values))
        except OrganizationError as exc:
            return _form_page(request, None, values, exc, 400)
        org_id = org.id
    return RedirectResponse(f"/agent/organizations/{org_id}", status_code=303)


async def edit_form(request: Request) -> Response:
    user = _manager(request)
    with db_of(request).session() as session:
        org = access_organization(session, user, request.path_params["org_id"])
    values = {"name": org.name, "domain": org.domain or "", "tier": org.tier,
              "auto_join": "on" if org.auto_join else "",
              "portal_shared": "on" if org.portal_shared else ""}
    return _form_page(request, org, values)


async def save(request: Request) -> Response:
    user = _manager(request)
    org_id: int = request.path_params["org_id"]
    form = await request.form()
    check_csrf(request, form)
    values = _read_form(form)
    with db_of(request).session() as session:
        org = access_organization(session, user, org_id)
        try:
            save_organization_changes(session, Actor.of_user(user), org, _changes(values))
        except OrganizationError as exc:
            return _form_page(request, access_organization(session, user, org_id), values, exc, 400)
    return RedirectResponse(f"/agent/organizations/{org_id}", status_code=303)


routes = [
    Route("/agent/organizations", index, methods=["GET"]),
    Route("/agent/organizations/new", new_form, methods=["GET"]),
    Route("/agent/organizations/new", create, methods=["POST"]),
    Route("/agent/organizations/{org_id:id}", show, methods=["GET"]),
    Route("/agent/organizations/{org_id:id}/edit", edit_form, methods=["GET"]),
    Route("/agent/organizations/{org_id:id}/edit", save, methods=["POST"]),
]
