"""A bare Starlette web form with one SQLite insert: what Desk's form is measured beside.

``GET /requests/new`` answers a small form page; ``POST /requests`` reads the same
multipart fields as Desk's form (name, email, subject, message), inserts one row
(WAL, ``synchronous=NORMAL``, committed before the answer) and answers 303 to the
row's page. No sessions, templates, validation beyond "all four given", customers
or jobs: the gap between this and ``desk serve`` is what Desk itself costs.

``bench.webform`` runs it with the options ``desk serve`` gives uvicorn:

    .venv/bin/python -m bench.bare_form --port 8001 --database /tmp/bare.db
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

FIELDS = ("name", "email", "subject", "message")
FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>New request</title></head><body><h1>New request</h1>
<form method="post" action="/requests" enctype="multipart/form-data">
<label>Name <input name="name" required maxlength="200"></label>
<label>Email <input name="email" type="email" required maxlength="320"></label>
<label>Subject <input name="subject" required maxlength="200"></label>
<label>Message <textarea name="message" required></textarea></label>
<label>Attachments <input name="attachments" type="file" multiple></label>
<div hidden><input name="website" tabindex="-1" autocomplete="off"></div>
<button>Send</button></form></body></html>"""
SCHEMA = """CREATE TABLE IF NOT EXISTS submission (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
    subject TEXT NOT NULL, message TEXT NOT NULL)"""
INSERT = "INSERT INTO submission (name, email, subject, message) VALUES (?, ?, ?, ?)"


def connect(database: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(database, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(SCHEMA)
    conn.commit()
    return conn


def create_app(database: Path) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.conn = connect(database)
        yield
        app.state.conn.close()

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def new_request(request: Request) -> Response:
        return HTMLResponse(FORM)

    async def create_request(request: Request) -> Response:
        form = await request.form()
        values = [str(form.get(name, "")).strip() for name in FIELDS]
        if not all(values):
            return HTMLResponse(FORM, status_code=400)
        conn: sqlite3.Connection = request.app.state.conn
        row_id = conn.execute(INSERT, values).lastrowid
        conn.commit()
        return RedirectResponse(f"/requests/{row_id}", status_code=303)

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/requests/new", new_request),
        Route("/requests", create_request, methods=["POST"]),
    ], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", type=Path, required=True, help="SQLite file (created)")
    args = parser.parse_args()
    # As desk/cli/main.py's cmd_serve with `desk --log-level WARNING serve`.
    uvicorn.run(create_app(args.database), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False, log_config=None)


if __name__ == "__main__":
    main()
