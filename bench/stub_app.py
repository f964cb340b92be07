"""A bare Starlette web form with no database: the ceiling the load generator can reach.

``bench.webform --server stub`` runs it under uvicorn exactly as ``desk serve`` runs
Desk, so the gap between the two is what Desk itself costs per submission.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

FORM = """<!doctype html><html><head><title>New request</title></head><body>
<form method="post" action="/requests">
<input type="hidden" name="form_token" value="stub">
<input name="name"><input name="email" type="email"><input name="subject">
<textarea name="message"></textarea>
<div style="display:none"><input name="website" tabindex="-1" autocomplete="off"></div>
<button>Send</button></form></body></html>"""


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def new_request(request: Request) -> Response:
    return HTMLResponse(FORM)


async def create_request(request: Request) -> Response:
    form = await request.form()
    if form.get("website") or not form.get("email"):
        return HTMLResponse(FORM, status_code=400)
    return RedirectResponse("/requests/thanks", status_code=303)


app = Starlette(routes=[
    Route("/healthz", healthz),
    Route("/requests/new", new_request),
    Route("/requests", create_request, methods=["POST"]),
])
