"""create_app(settings) -> the Starlette application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from desk import ROOT
from desk.actions.ingest import ingest
from desk.db import Database
from desk.form_intake import FormIntake
from desk.group_commit import GroupCommit
from desk.jobs.arq_backend import ArqEnqueuer
from desk.jobs.inprocess import InProcessRunner
from desk.kb_index import START_UP_WAIT_SECONDS, ensure_index_in_background
from desk.live import relay as live_relay
from desk.live.hub import Hub
from desk.mail.handover import HandOver
from desk.mail.poller import MailPoller
from desk.settings import Settings
from desk.web import account, admin, api, audit, auth, health, live, portal, staff, teams
from desk.web import account_security as account_security_pages
from desk.web import duty_pages as staff_duty
from desk.web import macros as agent_macros
from desk.web import password_reset as password_reset_pages
from desk.web import retention as admin_retention
from desk.web import rules as admin_rules
from desk.web import sign_in_steps as sign_in_step_pages
from desk.web import sla as admin_sla
from desk.web import ticket_fields as admin_ticket_fields
from desk.web import two_factor_admin as admin_two_factor
from desk.web import webhooks as admin_webhooks
from desk.web.chat import admin as chat_admin
from desk.web.chat import demo_page as chat_demo
from desk.web.chat import feed as chat_feed
from desk.web.chat import visitor as chat_visitor
from desk.web.customers import care as customer_care
from desk.web.customers import fields as admin_customer_fields
from desk.web.customers import find as customers
from desk.web.customers import imports as admin_customer_import
from desk.web.customers import merge_pages as customer_merge_pages
from desk.web.customers import organizations
from desk.web.customers import page as customer_page
from desk.web.errors import HANDLERS
from desk.web.kb import deflection, help
from desk.web.kb import pages as kb_pages
from desk.web.kb import report as kb_report
from desk.web.mail import mailboxes as admin_mailboxes
from desk.web.mail import quarantine as admin_quarantine
from desk.web.middleware import RequestContext, StaffSessions
from desk.web.ratelimit import shared_window
from desk.web.reports import satisfaction as satisfaction_report
from desk.web.reports import service as service_report
from desk.web.reports import survey_settings
from desk.web.surveys import answer as survey_answer
from desk.web.tickets import board as ticket_board
from desk.web.tickets import bulk as ticket_bulk
from desk.web.tickets import follow_ups as ticket_follow_ups
from desk.web.tickets import form_requests as admin_form_requests
from desk.web.tickets import formatted as formatted_mail
from desk.web.tickets import links as ticket_links
from desk.web.tickets import pages as tickets
from desk.web.tickets import previews as attachment_previews
from desk.web.tickets import public
from desk.web.tickets import queue as agent
from desk.web.tickets import views as saved_views


def create_app(settings: Settings, db: Database | None = None, run_jobs: bool = True,
               poll_mail: bool = True, take_handovers: bool = False,
               form_process: bool = False) -> Starlette:
    """The web app. ``run_jobs=False`` leaves the job backend off (tests drive it); running
    the jobs in-process (no Redis) also runs the mail poller unless ``poll_mail=False``.
    ``take_handovers`` (`desk serve`) listens for `desk ingest` (desk.mail.handover).
    ``form_process`` (`desk serve`) stores web-form requests and opens their tickets in a
    child process (desk.form_intake); without it they are opened in the request."""
    database = db or Database(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        live_listener = live_relay.start(database, app.state.live)
        handover = (HandOver(database, settings, settings.ingest_socket)
                    if take_handovers and settings.ingest_socket is not None else None)
        if handover is not None:
            await handover.start()
        if run_jobs:
            backend: InProcessRunner | ArqEnqueuer = (
                ArqEnqueuer(database, settings.redis_url) if settings.redis_url
                else InProcessRunner(database)
            )
            await backend.start()
            app.state.jobs = backend
        if form_process:  # after the job backend: its reports start jobs
            app.state.form_intake = FormIntake(database, settings)
            await app.state.form_intake.start()
        if run_jobs and poll_mail and not settings.redis_url:
            app.state.mail_poller = MailPoller(database, settings).start()
        if run_jobs:
            # Without Redis this process is the index's writer: rebuild a missing, damaged or
            # stale index in the background (`desk worker` does it when there is Redis); either
            # way, load jieba before the first search needs it.
            app.state.kb_start_up = ensure_index_in_background(
                database, settings, rebuild=not settings.redis_url)
        yield
        if handover is not None:
            await handover.close()
        if app.state.form_intake is not None:
            await app.state.form_intake.stop()
            app.state.form_intake = None
        if getattr(app.state, "rate_redis", None) is not None:
            app.state.rate_redis.close()
        if app.state.mail_poller is not None:
            await asyncio.to_thread(app.state.mail_poller.stop)
            app.state.mail_poller = None
        if app.state.jobs is not None:
            await app.state.jobs.stop()
            app.state.jobs = None
        if app.state.kb_start_up is not None:
            await asyncio.to_thread(app.state.kb_start_up.join, START_UP_WAIT_SECONDS)
            app.state.kb_start_up = None
        await live_relay.stop(database, live_listener)

    routes = [
        *health.routes,
        *public.routes,
        *portal.routes,
        *deflection.routes,
        *kb_report.routes,
        *auth.routes,
        *agent.routes,
        *tickets.routes,
        *ticket_links.routes,
        *attachment_previews.routes,
        *formatted_mail.routes,
        *ticket_bulk.routes,
        *agent_macros.routes,
        *ticket_board.routes,
        *saved_views.routes,
        *ticket_follow_ups.routes,
        *live.routes,
        *admin.routes,
        *staff.routes,
        *teams.routes,
        *audit.routes,
        *account.routes,
        *account_security_pages.routes,
        *sign_in_step_pages.routes,
        *password_reset_pages.routes,
        *admin_two_factor.routes,
        *staff_duty.routes,
        *admin_quarantine.routes,
        *admin_form_requests.routes,
        *admin_mailboxes.routes,
        *admin_rules.routes,
        *admin_retention.routes,
        *chat_admin.routes,
        *admin_webhooks.routes,
        *chat_visitor.routes,
        *chat_demo.routes,
        *chat_feed.routes,
        *admin_sla.routes,
        *admin_customer_import.routes,
        *customers.routes,
        *admin_customer_fields.routes,
        *admin_ticket_fields.routes,
        *customer_page.routes,
        *customer_merge_pages.routes,
        *customer_care.routes,
        *organizations.routes,
        *help.routes,
        *kb_pages.routes,
        *survey_answer.routes,
        *satisfaction_report.routes,
        *service_report.routes,
        *survey_settings.routes,
        Mount("/api/v1", routes=api.routes),
        Mount("/static", app=StaticFiles(directory=ROOT / "static"), name="static"),
    ]
    max_body = settings.max_attachments * settings.max_attachment_bytes + 2 * 1024 * 1024
    # The customer import page takes a CSV of up to 50 MB whatever the attachment limits.
    max_body = max(max_body, admin_customer_import.MAX_UPLOAD_BYTES + 1024 * 1024)
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=[
            Middleware(RequestContext, max_body_bytes=max_body, secret_key=str(settings.secret_key),
                       hsts=settings.base_url.startswith("https://")),
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
    app.state.mail_poller = None
    app.state.kb_start_up = None
    app.state.form_intake = None
    # The request form's limit, counted across processes when Redis is set.
    app.state.rate_limiter = shared_window(app.state, "form", settings.form_rate_limit, 60.0)
    app.state.page_cache = {}
    app.state.live = Hub()
    app.state.intake = GroupCommit(
        database, lambda session, items: ingest(session, settings, items))
    return app
