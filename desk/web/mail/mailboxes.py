"""Admin pages for mailboxes: their health and accounting, add, edit, test, enable, disable.

No page ever holds a password: the forms show whether one is set and keep it when the
field is left empty; a URL typed with a password in it comes back without it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.email.login_check import CheckResult
from desk.actions.audit import Actor
from desk.actions.mail.mailbox_settings import (
    save_mailbox_changes,
    save_mailbox_enabled,
    save_new_mailbox,
)
from desk.actions.mail.mailboxes import (
    LANGUAGE_LABELS,
    MailboxError,
    MailboxOptions,
    shown_imap_url,
    shown_smtp_url,
    test_mailbox,
)
from desk.i18n import _
from desk.models import AfterFetch, Mailbox, Role
from desk.queries.mail.mailboxes import list_mailboxes, mailbox_accounting
from desk.queries.users import list_teams, team_names
from desk.settings import Settings
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

_TEXT_FIELDS = ("name", "address", "display_name", "team", "imap_url", "smtp_url", "after_fetch",
                "processed_folder", "ack_per_hour", "ack_subject", "ack_body", "poll_seconds",
                "language")

def _list_page(request: Request, tested: Mailbox | None = None,
               results: list[CheckResult] | None = None) -> Response:
    with db_of(request).session() as session:
        mailboxes = list_mailboxes(session)
        books = mailbox_accounting(session)
        teams = team_names(session)
    return render(request, "mail/mailboxes.html", mailboxes=mailboxes, books=books, teams=teams,
                  tested=tested, results=results or [])


def _form_page(request: Request, mailbox: Mailbox | None, values: dict[str, str],
               status_code: int = 200, error: MailboxError | None = None) -> Response:
    with db_of(request).session() as session:
        teams = list_teams(session)
    return render(request, "mail/mailbox_form.html", status_code=status_code, mailbox=mailbox,
                  values=values, teams=teams, error=error, after_fetch=[a.value for a in AfterFetch],
                  languages=LANGUAGE_LABELS)


def _values_of(mailbox: Mailbox) -> dict[str, str]:
    return {"name": mailbox.name, "address": mailbox.address, "display_name": mailbox.display_name,
            "team": str(mailbox.team_id or ""), "imap_url": shown_imap_url(mailbox),
            "smtp_url": shown_smtp_url(mailbox), "after_fetch": mailbox.after_fetch,
            "processed_folder": mailbox.processed_folder,
            "acknowledge": "on" if mailbox.acknowledge else "",
            "ack_per_hour": str(mailbox.ack_per_hour), "ack_subject": mailbox.ack_subject,
            "ack_body": mailbox.ack_body, "poll_seconds": str(mailbox.poll_seconds),
            "language": mailbox.language}


def _without_password(url: str) -> str:
    """The URL as typed, minus any password in it: what a form may show back."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}@{host}").geturl()


def _read_form(form: FormData) -> tuple[dict[str, str], MailboxOptions]:
    """The values to show back (no passwords) and the options to apply."""
    values = {k: str(form.get(k, "")).strip() for k in _TEXT_FIELDS}
    values["acknowledge"] = "on" if form.get("acknowledge") else ""
    team = values["team"]
    options = MailboxOptions(
        address=values["address"], imap_url=values["imap_url"], smtp_url=values["smtp_url"],
        imap_password=str(form.get("imap_password", "")),
        smtp_password=str(form.get("smtp_password", "")),
        team_id=int(team) if team.isascii() and team.isdigit() and len(team) < 10 else None,
        display_name=values["display_name"], after_fetch=values["after_fetch"] or AfterFetch.flag,
        processed_folder=values["processed_folder"], acknowledge=bool(values["acknowledge"]),
        ack_per_hour=_number(values["ack_per_hour"], 3), ack_subject=values["ack_subject"],
        ack_body=values["ack_body"], poll_seconds=_number(values["poll_seconds"], 60),
        language=values["language"])
    values["imap_url"] = _without_password(values["imap_url"])
    values["smtp_url"] = _without_password(values["smtp_url"])
    return values, options


def _number(value: str, default: int) -> int:
    """A whole number typed in a form; -1 (refused by validation) when it is not one."""
    if not value:
        return default
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else -1


def _mailbox_or_404(request: Request) -> Mailbox:
    with db_of(request).session() as session:
        mailbox = session.get(Mailbox, request.path_params["mailbox_id"])
    if mailbox is None:
        raise HTTPException(404, _("There is no such mailbox."))
    return mailbox


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _list_page(request)


async def new(request: Request) -> Response:
    staff(request, Role.admin)
    return _form_page(request, None, {"after_fetch": AfterFetch.flag, "acknowledge": "on",
                                      "processed_folder": "Desk/Processed", "ack_per_hour": "3",
                                      "poll_seconds": "60"})


async def add(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values, options = _read_form(form)
    settings: Settings = request.app.state.settings
    with db_of(request).session() as session:
        try:
            save_new_mailbox(session, settings, Actor.of_user(admin), values["name"], options)
        except MailboxError as exc:
            return _form_page(request, None, values, 400, exc)
    return RedirectResponse("/admin/mailboxes", status_code=303)


async def edit(request: Request) -> Response:
    staff(request, Role.admin)
    mailbox = _mailbox_or_404(request)
    return _form_page(request, mailbox, _values_of(mailbox))


async def save(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values, options = _read_form(form)
    settings: Settings = request.app.state.settings
    with db_of(request).session() as session:
        mailbox = session.get(Mailbox, request.path_params["mailbox_id"])
        if mailbox is None:
            raise HTTPException(404, _("There is no such mailbox."))
        values["name"] = mailbox.name
        try:
            save_mailbox_changes(session, settings, Actor.of_user(admin), mailbox, options)
        except MailboxError as exc:
            return _form_page(request, mailbox, values, 400, exc)
    return RedirectResponse("/admin/mailboxes", status_code=303)


async def run_test(request: Request) -> Response:
    """Log in to both servers now and show what each said, on the list page."""
    staff(request, Role.admin)
    check_csrf(request, await request.form())
    mailbox = _mailbox_or_404(request)
    results = await test_mailbox(request.app.state.settings, mailbox)
    return _list_page(request, mailbox, results)


def _switch(enabled: bool) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        admin = staff(request, Role.admin)
        check_csrf(request, await request.form())
        with db_of(request).session() as session:
            mailbox = session.get(Mailbox, request.path_params["mailbox_id"])
            if mailbox is None:
                raise HTTPException(404, _("There is no such mailbox."))
            save_mailbox_enabled(session, Actor.of_user(admin), mailbox, enabled)
        return RedirectResponse("/admin/mailboxes", status_code=303)
    return handler


routes = [
    Route("/admin/mailboxes", index, methods=["GET"]),
    Route("/admin/mailboxes", add, methods=["POST"]),
    Route("/admin/mailboxes/new", new, methods=["GET"]),
    Route("/admin/mailboxes/{mailbox_id:id}/edit", edit, methods=["GET"]),
    Route("/admin/mailboxes/{mailbox_id:id}", save, methods=["POST"]),
    Route("/admin/mailboxes/{mailbox_id:id}/test", run_test, methods=["POST"]),
    Route("/admin/mailboxes/{mailbox_id:id}/enable", _switch(True), methods=["POST"]),
    Route("/admin/mailboxes/{mailbox_id:id}/disable", _switch(False), methods=["POST"]),
]
