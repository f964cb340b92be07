"""Admin page: import customers from a CSV file (upload, preview with the column mapping, import,
the lines in error to download).

The uploaded file waits under ``data_dir/imports/<token>.csv`` beside a note of who uploaded it;
the token is 32 random hex digits, checked strictly, and only its uploader can use it. The import
runs in the request, off the event loop (100,000 lines take under 20 s: bench/customer_import.py)."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.csv_files import TARGETS, CsvError, CsvFile, guess_mapping, read_csv
from desk.actions.customers.import_report import errors_csv
from desk.actions.customers.imports import import_customers
from desk.i18n import _, translations
from desk.models import CustomerField, Role, User
from desk.queries.customers.fields import field_definitions
from desk.settings import Settings
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render, request_locale

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 20
SHOWN_ERRORS = 200
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
TARGET_LABELS = {"name": _("Name"), "email": _("Email"), "emails": _("Other emails"),
                 "phone": _("Phone"), "phones": _("Other phones"), "organization": _("Organisation"),
                 "tier": _("Tier"), "tags": _("Tags"), "owner": _("Owner (staff email)"),
                 "source": _("Source")}


def _folder(request: Request) -> Path:
    settings: Settings = request.app.state.settings
    return settings.data_dir / "imports"


def _upload_of(request: Request, admin: User) -> Path:
    """The uploaded file of this token, if this admin uploaded it; 404 otherwise."""
    token = request.path_params["token"]
    folder = _folder(request)
    if not _TOKEN.match(token) or not (folder / f"{token}.json").is_file():
        raise HTTPException(404, _("There is no such import."))
    note = json.loads((folder / f"{token}.json").read_text())
    if note.get("user_id") != admin.id:
        raise HTTPException(404, _("There is no such import."))
    return folder / f"{token}.csv"


def _targets(fields: list[CustomerField]) -> list[tuple[str, str]]:
    return [(t, TARGET_LABELS[t]) for t in TARGETS] + [(f"field:{f.key}", f.label) for f in fields]


async def upload_page(request: Request) -> Response:
    staff(request, Role.admin)
    return render(request, "customers/customer_import.html", step="upload", error=None)


async def upload(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form(max_files=1, max_fields=10)
    check_csrf(request, form)
    item = form.get("file")
    data = b""
    if isinstance(item, UploadFile):
        data = await item.read(MAX_UPLOAD_BYTES + 1)
        await item.close()
    if not data:
        return _upload_error(request, 400, _("Choose a CSV file to import."))
    if len(data) > MAX_UPLOAD_BYTES:
        return _upload_error(request, 413, _("The file is larger than 50 MB: split it in parts."))
    try:
        await run_in_threadpool(read_csv, data)
    except CsvError as exc:
        return _upload_error(request, 400, exc.message, exc.params)
    token = secrets.token_hex(16)
    folder = _folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}.csv").write_bytes(data)
    name = item.filename if isinstance(item, UploadFile) and item.filename else ""
    (folder / f"{token}.json").write_text(json.dumps({"user_id": admin.id, "name": name[-200:]}))
    return RedirectResponse(f"/admin/customers/import/{token}", status_code=303)


def _upload_error(request: Request, status: int, message: str,
                  params: dict[str, str] | None = None) -> Response:
    return render(request, "customers/customer_import.html", status_code=status, step="upload",
                  error=(message, params or {}))


async def preview(request: Request) -> Response:
    admin = staff(request, Role.admin)
    path = _upload_of(request, admin)
    file = await run_in_threadpool(read_csv, path.read_bytes())
    with db_of(request).session() as session:
        fields = field_definitions(session)
    return _preview(request, admin, file, guess_mapping(file.headers, fields), fields)


def _preview(request: Request, admin: User, file: CsvFile, mapping: list[str],
             fields: list[CustomerField], status_code: int = 200) -> Response:
    sample = CsvFile(file.encoding, file.delimiter, file.headers, file.rows[:PREVIEW_ROWS])
    error: tuple[str, dict[str, str]] | None = None
    try:
        report = import_customers(db_of(request), Actor.of_user(admin), sample, mapping, dry_run=True)
    except CsvError as exc:
        report, error, status_code = None, (exc.message, exc.params), 400
    errors: dict[int, list[Any]] = {}
    for e in report.errors if report else []:
        errors.setdefault(e.line, []).append(e)
    return render(request, "customers/customer_import.html", status_code=status_code, step="preview",
                  token=request.path_params["token"], file=file, sample=sample, mapping=mapping,
                  targets=_targets(fields), report=report, errors=errors, error=error)


async def run(request: Request) -> Response:
    admin = staff(request, Role.admin)
    path = _upload_of(request, admin)
    form = await request.form()
    check_csrf(request, form)
    file = await run_in_threadpool(read_csv, path.read_bytes())
    mapping = [str(form.get(f"map-{i}", "")) for i in range(len(file.headers))]
    with db_of(request).session() as session:
        fields = field_definitions(session)
    if form.get("step") != "import":
        return _preview(request, admin, file, mapping, fields)
    try:
        report = await run_in_threadpool(import_customers, db_of(request), Actor.of_user(admin),
                                         file, mapping)
    except CsvError:
        return _preview(request, admin, file, mapping, fields, 400)
    gettext = translations(request_locale(request)).gettext
    path.with_suffix(".errors.csv").write_bytes(errors_csv(file, report, gettext))
    return render(request, "customers/customer_import.html", step="done", token=path.stem, file=file,
                  report=report, shown_errors=report.errors[:SHOWN_ERRORS])


async def errors_download(request: Request) -> Response:
    admin = staff(request, Role.admin)
    path = _upload_of(request, admin).with_suffix(".errors.csv")
    if not path.is_file():
        raise HTTPException(404, _("There is no such import."))
    return Response(path.read_bytes(), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="customer-import-errors.csv"'})


routes = [
    Route("/admin/customers/import", upload_page),
    Route("/admin/customers/import", upload, methods=["POST"]),
    Route("/admin/customers/import/{token}", preview),
    Route("/admin/customers/import/{token}", run, methods=["POST"]),
    Route("/admin/customers/import/{token}/errors.csv", errors_download),
]
