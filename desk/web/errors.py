"""Errors: JSON with a reason under /api, a translated page everywhere else."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from desk.i18n import _
from desk.queries.errors import Forbidden, NotFound
from desk.web.middleware import response_headers
from desk.web.templating import render

log = logging.getLogger("desk.web")

# Machine-readable in the API's JSON, which stays English; marked because the error
# page shows them too, translated.
REASONS = {
    400: _("bad request"),
    401: _("authentication required"),
    403: _("forbidden"),
    404: _("not found"),
    405: _("method not allowed"),
    413: _("request too large"),
    422: _("invalid input"),
    429: _("too many requests"),
    500: _("internal error"),
}
# Starlette's own details when no route takes a path or a method, for the error page.
STARLETTE_DETAILS = (_("Not Found"), _("Method Not Allowed"))


class ApiError(HTTPException):
    """An API failure with a machine-readable reason and optional field errors."""

    def __init__(self, status_code: int, reason: str, fields: dict[str, str] | None = None):
        super().__init__(status_code, reason)
        self.reason = reason
        self.fields = fields or {}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        body: dict[str, object] = {"error": getattr(exc, "reason", None) or exc.detail
                                   or REASONS.get(exc.status_code, "error")}
        if isinstance(exc, ApiError) and exc.fields:
            body["fields"] = exc.fields
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return render(request, "error.html", status_code=exc.status_code,
                  status=exc.status_code, detail=exc.detail)


async def not_found(request: Request, exc: Exception) -> Response:
    return await http_error(request, HTTPException(404, REASONS[404]))


async def forbidden(request: Request, exc: Exception) -> Response:
    return await http_error(request, HTTPException(403, REASONS[403]))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if _is_api(request):
        answer = JSONResponse({"error": REASONS[500]}, status_code=500)
        answer.raw_headers = response_headers(request.url.path, answer.raw_headers)
        return answer
    page = render(request, "error.html", status_code=500, status=500, detail=REASONS[500])
    # Answered outside the middleware (the error escaped it): the headers are added here.
    page.raw_headers = response_headers(request.url.path, page.raw_headers)
    return page


HANDLERS = {
    HTTPException: http_error,
    NotFound: not_found,
    Forbidden: forbidden,
    500: server_error,
}
