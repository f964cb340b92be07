"""create_app(settings) -> the Starlette application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from desk import ROOT
from desk.actions.intake import open_tickets
from desk.db import Database
from desk.group_commit import GroupCommit
from desk.jobs.arq_backend import ArqEnqueuer
from desk.jobs.inprocess import InProcessRunner
from desk.settings import Settings
from desk.web import admin, agent, api, auth, health, public, tickets
from desk.web.errors import HANDLERS
from desk.web.middleware import RequestContext, StaffSessions


def create_app(settings: Settings, db: Database | None = None, run_jobs: bool = True) -> Starlette:
    """The web app. ``run_jobs=False`` leaves the job backend off (tests drive it)."""
    database = db or Database(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_jobs:
            backend: InProcessRunner | ArqEnqueuer = (
                ArqEnqueuer(database, settings.redis_url) if settings.redis_url
                else InProcessRunner(database)
            )
            await backend.start()
            app.state.jobs = backend
        yield
        if app.state.jobs is not None:
            await app.state.jobs.stop()
            app.state.jobs = None

    routes = [
        *health.routes,
        *public.routes,
        *auth.routes,
        *agent.routes,
        *tickets.routes,
        *admin.routes,
        Mount("/api/v1", routes=api.routes),
        Mount("/static", app=StaticFiles(directory=ROOT / "static"), name="static"),
    ]
    max_body = settings.max_attachments * settings.max_attachment_bytes + 2 * 1024 * 1024
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=[
            Middleware(RequestContext, max_body_bytes=max_body),
            Middleware(StaffSessions, secret_key=str(settings.secret_key),
                       session_cookie="desk_session", max_age=settings.session_max_age,
                       same_site="lax", https_only=settings.base_url.startswith("https")),
        ],
        exception_handlers={**HANDLERS, auth.LoginRequired: auth.login_redirect},  # type: ignore[dict-item]
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.jobs = None
    app.state.rate_limiter = None
    app.state.page_cache = {}
    app.state.intake = GroupCommit(
        database, lambda session, items: open_tickets(session, settings, items))
    return app
